import { createHash } from 'node:crypto';
import { ApplicationFailure, log, heartbeat, sleep } from '@temporalio/activity';
import { describeSecretRef, type MutationOp, type MutationRecord, type SecretRef } from '../../contract/index.ts';
import { inspectSecret, resolveSecret } from '../secrets.ts';
import { RecordOnlyTarget } from './record-only.ts';
import { mutationMode, type EnvVarState, type PreviousCronJobs, type PreviousEnv, type RemediationTarget } from './target.ts';

export interface KubeActivityDeps {
  target: RemediationTarget;
  clock: () => Date;
  /** Where `env:` secret references resolve (the worker's environment). */
  env: NodeJS.ProcessEnv;
  /** How often waitForRollout re-reads status. */
  rolloutPollMs?: number;
}

export { RecordOnlyTarget } from './record-only.ts';
export type { RemediationTarget } from './target.ts';

const shortHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 10);
const backupSecretName = (secretName: string, mutationId: string) => `${secretName}-runbook-backup-${shortHash(mutationId)}`;
const nsFlag = (namespace: string) => `-n ${namespace}`;

/** Where a mutation's prior state is anchored: the deployment (cronjobs and secrets have none of their own). */
interface Anchor {
  namespace: string;
  deployment: string;
}

export interface ApplyMutationRequest {
  mutationId: string;
  step: string;
  op: MutationOp;
  dryRun: boolean;
  /** Secrets and CronJobs keep their prior state next to this deployment. */
  anchor: Anchor;
}

export function createKubernetesActivities(deps: KubeActivityDeps) {
  const { target } = deps;
  const now = () => deps.clock().toISOString();
  const secretDeps = {
    env: deps.env,
    readKubeSecret: (namespace: string | undefined, name: string, key: string) => target.readSecretKey(namespace ?? 'default', name, key),
  };

  async function setEnv(req: ApplyMutationRequest, op: Extract<MutationOp, { kind: 'set-env' }>) {
    const state = await target.readDeployment(op.namespace, op.deployment);
    const containers = op.container ? state.containers.filter((c) => c.name === op.container) : state.containers;
    if (op.container && containers.length === 0) {
      throw ApplicationFailure.nonRetryable(`container "${op.container}" not found in deployment/${op.deployment} -n ${op.namespace}`, 'KubernetesNotFound');
    }
    const observed: PreviousEnv = containers.map((c) => ({ container: c.name, previous: c.env.find((e) => e.name === op.name) ?? null }));
    const stashed = (await target.loadPriorState(op.namespace, op.deployment, req.mutationId)) as PreviousEnv | undefined;
    const previous = stashed ?? observed;
    if (!stashed) await target.savePriorState(op.namespace, op.deployment, req.mutationId, previous, req.dryRun);
    const pending = observed.filter((o) => o.previous?.value !== op.value || o.previous.valueFrom !== undefined);
    if (pending.length > 0) {
      await target.writeEnv(op.namespace, op.deployment, pending.map((o) => ({ container: o.container, name: op.name, env: { name: op.name, value: op.value } })), req.dryRun);
    }
    const container = op.container ? ` -c ${op.container}` : '';
    return {
      previous,
      changed: pending.length > 0,
      change: `${op.name}=${op.value}`,
      target: `deployment/${op.deployment} ${nsFlag(op.namespace)}`,
      kubectl: `kubectl set env deployment/${op.deployment} ${op.name}=${op.value}${container} ${nsFlag(op.namespace)}`,
      revertKubectl: revertEnvKubectl(op, previous),
    };
  }

  async function restart(req: ApplyMutationRequest, op: Extract<MutationOp, { kind: 'rollout-restart' }>) {
    const state = await target.readDeployment(op.namespace, op.deployment);
    if (state.paused) {
      throw ApplicationFailure.nonRetryable(
        `deployment/${op.deployment} -n ${op.namespace} is paused: a restart would not roll out — resume it (kubectl rollout resume) or skip the restart`,
        'DeploymentPaused',
      );
    }
    const stashed = (await target.loadPriorState(op.namespace, op.deployment, req.mutationId)) as { restartedAt: string | null; at: string } | undefined;
    const at = stashed?.at ?? now();
    if (!stashed) await target.savePriorState(op.namespace, op.deployment, req.mutationId, { restartedAt: state.restartedAt, at }, req.dryRun);
    const changed = state.restartedAt !== at;
    if (changed) await target.restart(op.namespace, op.deployment, at, req.dryRun);
    return {
      previous: { restartedAt: stashed?.restartedAt ?? state.restartedAt },
      changed,
      change: `restartedAt=${at}`,
      target: `deployment/${op.deployment} ${nsFlag(op.namespace)}`,
      kubectl: `kubectl rollout restart deployment/${op.deployment} ${nsFlag(op.namespace)}`,
      revertKubectl: undefined,
    };
  }

  async function applySecret(req: ApplyMutationRequest, op: Extract<MutationOp, { kind: 'apply-secret' }>) {
    const value = await resolveSecret(op.ref, secretDeps);
    const backupName = backupSecretName(op.secretName, req.mutationId);
    const stashed = (await target.loadPriorState(req.anchor.namespace, req.anchor.deployment, req.mutationId)) as { existed: boolean } | undefined;
    const { changed, existed } = await target.writeSecretKey(op.namespace, op.secretName, op.key, value, backupName, req.dryRun);
    const previous = { backupSecret: backupName, existed: stashed?.existed ?? existed, key: op.key };
    if (!stashed) await target.savePriorState(req.anchor.namespace, req.anchor.deployment, req.mutationId, { existed }, req.dryRun);
    return {
      previous,
      changed,
      change: `secret/${op.secretName} key ${op.key} from ${describeSecretRef(op.ref)}`,
      target: `secret/${op.secretName} ${nsFlag(op.namespace)}`,
      kubectl: `kubectl create secret generic ${op.secretName} --from-literal=${op.key}="$NEW_KEY" --dry-run=client -o yaml | kubectl apply ${nsFlag(op.namespace)} -f -`,
      revertKubectl: `kubectl get secret ${backupName} ${nsFlag(op.namespace)} -o json | jq '.metadata.name="${op.secretName}" | del(.metadata.uid,.metadata.resourceVersion,.metadata.creationTimestamp)' | kubectl apply -f -`,
    };
  }

  async function suspendCronJobs(req: ApplyMutationRequest, op: Extract<MutationOp, { kind: 'suspend-cronjobs' }>) {
    const observed = await target.listCronJobs(op.namespace, op.selector);
    const stashed = (await target.loadPriorState(req.anchor.namespace, req.anchor.deployment, req.mutationId)) as PreviousCronJobs | undefined;
    const previous = stashed ?? observed;
    if (!stashed) await target.savePriorState(req.anchor.namespace, req.anchor.deployment, req.mutationId, previous, req.dryRun);
    const pending = observed.filter((job) => !job.suspended);
    for (const job of pending) await target.setCronJobSuspended(op.namespace, job.name, true, req.dryRun);
    const names = previous.map((j) => j.name);
    return {
      previous,
      changed: pending.length > 0,
      change: `suspend ${names.length} CronJob(s) matching ${op.selector}${names.length ? `: ${names.join(', ')}` : ''}`,
      target: `cronjobs -l ${op.selector} ${nsFlag(op.namespace)}`,
      kubectl: `kubectl get cronjob -l ${op.selector} ${nsFlag(op.namespace)} -o name | xargs -I{} kubectl patch {} ${nsFlag(op.namespace)} -p '{"spec":{"suspend":true}}'`,
      revertKubectl: previous
        .filter((j) => !j.suspended)
        .map((j) => `kubectl patch cronjob/${j.name} ${nsFlag(op.namespace)} -p '{"spec":{"suspend":false}}'`)
        .join(' && ') || undefined,
    };
  }

  return {
    /** Applies one change, idempotently, recording what was there before. */
    async applyMutation(req: ApplyMutationRequest): Promise<MutationRecord> {
      const op = req.op;
      const outcome =
        op.kind === 'set-env'
          ? await setEnv(req, op)
          : op.kind === 'rollout-restart'
            ? await restart(req, op)
            : op.kind === 'apply-secret'
              ? await applySecret(req, op)
              : await suspendCronJobs(req, op);
      const record: MutationRecord = {
        id: req.mutationId,
        step: req.step,
        target: outcome.target,
        op,
        change: outcome.change,
        previous: outcome.previous,
        appliedAt: now(),
        kubectl: outcome.kubectl,
        revertKubectl: outcome.revertKubectl,
        mode: mutationMode(target, req.dryRun),
        changed: outcome.changed,
      };
      log.info('mutation applied', { mutationId: record.id, step: record.step, target: record.target, change: record.change, mode: record.mode, changed: record.changed });
      return record;
    },

    /** Puts back exactly what the record says was there before. Idempotent. */
    async revertMutation(req: { record: MutationRecord; dryRun: boolean; anchor: Anchor }): Promise<MutationRecord> {
      const { record } = req;
      const op = record.op;
      if (op.kind === 'set-env') {
        const previous = record.previous as PreviousEnv;
        await target.writeEnv(op.namespace, op.deployment, previous.map((p) => ({ container: p.container, name: op.name, env: p.previous })), req.dryRun);
        await target.clearPriorState(op.namespace, op.deployment, record.id, req.dryRun);
      } else if (op.kind === 'apply-secret') {
        const previous = record.previous as { backupSecret: string; existed: boolean };
        await target.restoreSecret(op.namespace, op.secretName, previous.backupSecret, previous.existed, req.dryRun);
        await target.clearPriorState(req.anchor.namespace, req.anchor.deployment, record.id, req.dryRun);
      } else if (op.kind === 'suspend-cronjobs') {
        for (const job of record.previous as PreviousCronJobs) await target.setCronJobSuspended(op.namespace, job.name, job.suspended, req.dryRun);
        await target.clearPriorState(req.anchor.namespace, req.anchor.deployment, record.id, req.dryRun);
      } else {
        await target.clearPriorState(op.namespace, op.deployment, record.id, req.dryRun);
      }
      const reverted = { ...record, revertedAt: now() };
      log.info('mutation reverted', { mutationId: record.id, step: record.step, target: record.target, mode: record.mode });
      return reverted;
    },

    /** `kubectl rollout status`: waits for the new ReplicaSet, heartbeating; a stuck rollout fails for good. */
    async waitForRollout(req: { namespace: string; deployment: string; timeoutMs: number }): Promise<{ ready: boolean; reason: string }> {
      const deadline = deps.clock().getTime() + req.timeoutMs;
      for (;;) {
        const status = await target.rolloutStatus(req.namespace, req.deployment);
        heartbeat(status.reason);
        if (status.failed) throw ApplicationFailure.nonRetryable(`rollout of deployment/${req.deployment} failed: ${status.reason}`, 'RolloutFailed');
        if (status.done) return { ready: true, reason: status.reason };
        if (deps.clock().getTime() >= deadline) return { ready: false, reason: `timed out after ${req.timeoutMs} ms: ${status.reason}` };
        await sleep(deps.rolloutPollMs ?? 1_000);
      }
    },

    async readDeploymentState(req: { namespace: string; deployment: string }) {
      const state = await target.readDeployment(req.namespace, req.deployment);
      // Values sourced from secrets stay where they are; literal values are configuration.
      return { ...state, containers: state.containers.map((c) => ({ name: c.name, env: c.env.map((e) => (e.valueFrom ? { name: e.name, valueFrom: 'secret/configmap reference' } : e)) })) };
    },

    /** "Key present / Key length": never the value. */
    async inspectSecretRef(req: { ref: SecretRef }): Promise<{ present: boolean; length: number; ref: string }> {
      return { ...(await inspectSecret(req.ref, secretDeps)), ref: describeSecretRef(req.ref) };
    },
  };
}

function revertEnvKubectl(op: Extract<MutationOp, { kind: 'set-env' }>, previous: PreviousEnv): string {
  return previous
    .map(({ container, previous: p }) => {
      const assignment = p === null ? `${op.name}-` : p.valueFrom !== undefined ? `--from=<original valueFrom of ${op.name}>` : `${op.name}=${p.value ?? ''}`;
      return `kubectl set env deployment/${op.deployment} ${assignment} -c ${container} ${nsFlag(op.namespace)}`;
    })
    .join(' && ');
}

export type EnvChange = EnvVarState;
export function createRecordOnlyTarget(stateFile?: string): RecordOnlyTarget {
  return new RecordOnlyTarget({ stateFile });
}
