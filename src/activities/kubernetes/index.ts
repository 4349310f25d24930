// src/activities/kubernetes: the remediation activities and their targets (a real cluster or the record-only model), with owner records per knob.
import { ApplicationFailure, Context, log, heartbeat, sleep } from '@temporalio/activity';
import {
  ErrorTypes,
  describeSecretRef,
  kubectlEquivalent,
  namespaceFlag as nsFlag,
  shellWord,
  type DriftChoice,
  type MutationDrift,
  type MutationOp,
  type MutationRecord,
  type SecretRef,
} from '../../contract/index.ts';
import { inspectSecret, resolveSecret } from '../secrets.ts';
import { planResume, planSuspend } from './cronjob-knob.ts';
import { planRevertEnv, planSetEnv } from './env-knob.ts';
import { planApplySecret, planRevertSecret } from './secret-knob.ts';
export { backupSecretName } from './secret-knob.ts';
import { RecordOnlyTarget } from './record-only.ts';
import {
  mutationMode,
  type PreviousCronJobs,
  type PreviousEnv,
  type RemediationTarget,
  type SecretBackup,
  type SecretPrior,
} from './target.ts';

export interface KubeActivityDeps {
  target: RemediationTarget;
  clock: () => Date;
  /** Where `env:` secret references resolve (the worker's environment). */
  env: NodeJS.ProcessEnv;
  /** How often waitForRollout re-reads status. */
  rolloutPollMs?: number;
}

export { RecordOnlyTarget } from './record-only.ts';
export type {
  RemediationTarget,
  DeploymentState,
  PreviousEnv,
  PreviousCronJobs,
  SecretBackup,
  SecretPrior,
} from './target.ts';
export { createKubernetesTarget, type KubernetesTargetOptions } from './cluster.ts';

export type PreviousSecret = SecretPrior;

/** When this activity was first scheduled, if this is a retry (undefined on a first attempt or outside an activity). */
function earlierAttemptsSince(): number | undefined {
  try {
    const { attempt, scheduledTimestampMs } = Context.current().info;
    return attempt > 1 ? scheduledTimestampMs : undefined;
  } catch {
    return undefined;
  }
}

function restoreKeyKubectl(namespace: string, secretName: string, key: string, backup: SecretBackup): string {
  const jsonPathKey = backup.key.replace(/\./g, '\\.');
  const saved = `$(kubectl get secret ${backup.secret} -n ${namespace} -o jsonpath='{.data.${jsonPathKey}}')`;
  return `kubectl patch secret ${secretName} -n ${namespace} --type=merge -p "{\\"data\\":{\\"${key}\\":\\"${saved}\\"}}"`;
}

export interface ApplyMutationRequest {
  mutationId: string;
  step: string;
  op: MutationOp;
  dryRun: boolean;
  /** Where a human changed the knob since the engine set it (default `report`: write nothing there). */
  onDrift?: DriftChoice;
}

export interface RevertMutationRequest {
  record: MutationRecord;
  dryRun: boolean;
  onDrift?: DriftChoice;
}

export function createKubernetesActivities(deps: KubeActivityDeps) {
  const { target } = deps;
  const now = () => deps.clock().toISOString();
  const secretDeps = {
    env: deps.env,
    readKubeSecret: (namespace: string | undefined, name: string, key: string) =>
      target.readSecretKey(namespace ?? 'default', name, key),
  };

  async function setEnv(req: ApplyMutationRequest, op: Extract<MutationOp, { kind: 'set-env' }>) {
    // The variable and its owner record change in one guarded write: `previous` is the value before
    // any incident set it, however many incidents hold it now.
    const { previous, changed, drift } = await target.updateDeployment(
      op.namespace,
      op.deployment,
      (view) => planSetEnv(view, op, req.mutationId, req.onDrift),
      req.dryRun,
    );
    return {
      previous,
      changed,
      drift,
      change: `${op.name}=${op.value}`,
      target: `deployment/${op.deployment} ${nsFlag(op.namespace)}`,
      kubectl: kubectlEquivalent(op),
      revertKubectl: revertEnvKubectl(op, previous),
    };
  }

  async function restart(_req: ApplyMutationRequest, op: Extract<MutationOp, { kind: 'rollout-restart' }>) {
    const state = await target.readDeployment(op.namespace, op.deployment);
    if (state.paused) {
      throw ApplicationFailure.nonRetryable(
        `deployment/${op.deployment} -n ${op.namespace} is paused: a restart would not roll out — resume it (kubectl rollout resume) or skip the restart`,
        ErrorTypes.DeploymentPaused,
      );
    }
    // A restart is an event, not a state: a retry of this activity must not restart twice, so an
    // earlier attempt's annotation (set after this activity was first scheduled) counts as done.
    const firstScheduled = earlierAttemptsSince();
    const changed = !(
      firstScheduled !== undefined &&
      state.restartedAt !== null &&
      Date.parse(state.restartedAt) >= firstScheduled
    );
    const at = changed ? now() : state.restartedAt!;
    if (changed) await target.restart(op.namespace, op.deployment, at, _req.dryRun);
    return {
      previous: { restartedAt: state.restartedAt },
      changed,
      drift: [],
      change: `restartedAt=${at}`,
      target: `deployment/${op.deployment} ${nsFlag(op.namespace)}`,
      kubectl: kubectlEquivalent(op),
      // Pods cannot be un-restarted; the annotation is the restart's only trace.
      revertKubectl: undefined,
    };
  }

  async function applySecret(req: ApplyMutationRequest, op: Extract<MutationOp, { kind: 'apply-secret' }>) {
    const value = await resolveSecret(op.ref, secretDeps);
    // The key and its owner record change in one guarded write: `previous` is the state before any
    // incident rotated it, and its backup is the ownership cycle's (kept in the backup Secret only).
    const { previous, changed, drift } = await target.updateSecret(
      op.namespace,
      op.secretName,
      (view) => planApplySecret(view, op, value, describeSecretRef(op.ref), req.mutationId, req.onDrift),
      req.dryRun,
    );
    return {
      previous,
      changed,
      drift: drift ? [drift] : [],
      change: `secret/${op.secretName} key ${op.key} from ${describeSecretRef(op.ref)}`,
      target: `secret/${op.secretName} ${nsFlag(op.namespace)}`,
      kubectl: kubectlEquivalent(op),
      revertKubectl: !previous.secretExisted
        ? `kubectl delete secret ${op.secretName} ${nsFlag(op.namespace)}`
        : previous.keyExisted
          ? restoreKeyKubectl(op.namespace, op.secretName, op.key, previous.backup)
          : `kubectl patch secret ${op.secretName} ${nsFlag(op.namespace)} --type=merge -p '{"data":{"${op.key}":null}}'`,
    };
  }

  async function suspendCronJobs(req: ApplyMutationRequest, op: Extract<MutationOp, { kind: 'suspend-cronjobs' }>) {
    // Each job's flag has its own owner record on the job: `suspended` is the flag before any incident.
    const claimed: Array<{ name: string; suspended: boolean; changed: boolean; drift?: KnobDrift }> = [];
    for (const job of await target.listCronJobs(op.namespace, op.selector)) {
      const outcome = await target.updateCronJob(
        op.namespace,
        job.name,
        (view) => planSuspend(op.namespace, view, req.mutationId, req.onDrift),
        req.dryRun,
      );
      if (outcome) claimed.push(outcome);
    }
    const previous: PreviousCronJobs = claimed.map(({ name, suspended }) => ({ name, suspended }));
    const names = previous.map((j) => j.name);
    return {
      previous,
      changed: claimed.some((j) => j.changed),
      drift: claimed.flatMap((j) => (j.drift ? [j.drift] : [])),
      change: `suspend ${names.length} CronJob(s) matching ${op.selector}${names.length ? `: ${names.join(', ')}` : ''}`,
      target: `cronjobs -l ${op.selector} ${nsFlag(op.namespace)}`,
      kubectl: kubectlEquivalent(op),
      revertKubectl:
        previous
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
        ...withDrift(outcome.drift, 'apply', now()),
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
      const what = {
        applied: 'mutation applied',
        'dry-run': 'mutation validated by server-side dry run: nothing persisted',
        'record-only': 'mutation recorded (record-only: nothing applied)',
      }[record.mode];
      log.info(what, {
        mutationId: record.id,
        step: record.step,
        target: record.target,
        change: record.change,
        mode: record.mode,
        changed: record.changed,
        kubectl: record.kubectl,
      });
      if (record.drift)
        log.warn('changed by hand since the engine set it: not written over, a human chooses', {
          mutationId: record.id,
          drift: record.drift.knobs,
        });
      return record;
    },

    /**
     * Puts back exactly what the record says was there before. Idempotent. Where a human changed
     * the knob since the engine set it, `onDrift` decides; unless it is `overwrite`, the record
     * comes back with its drift and without `revertedAt`.
     */
    async revertMutation(req: RevertMutationRequest): Promise<MutationRecord> {
      const { drift: _earlier, ...record } = req.record;
      const op = record.op;
      const drift: KnobDrift[] = [];
      if (op.kind === 'set-env') {
        const previous = record.previous as PreviousEnv;
        const released = await target.updateDeployment(
          op.namespace,
          op.deployment,
          (view) => planRevertEnv(view, op, record.id, previous, req.onDrift),
          req.dryRun,
        );
        drift.push(...released.drift);
        if (released.restored.length === 0 && released.released > 0) {
          log.info('other incidents still rely on this change: it stays until the last of them reverts', {
            mutationId: record.id,
            target: record.target,
            change: record.change,
          });
        }
        // A dry run claimed nothing, so it held nothing: the restore is still validated by the server.
        if (released.released === 0 && req.dryRun) {
          const env = previous.map((p) => ({ container: p.container, name: op.name, env: p.previous }));
          await target.updateDeployment(
            op.namespace,
            op.deployment,
            () => ({ env, annotations: {}, result: undefined }),
            true,
          );
        }
      } else if (op.kind === 'apply-secret') {
        const previous = record.previous as PreviousSecret;
        const released = await target.updateSecret(
          op.namespace,
          op.secretName,
          (view) => planRevertSecret(view, op, record.id, previous, req.onDrift),
          req.dryRun,
        );
        if (released.drift) drift.push(released.drift);
        if (released.stillHeld) {
          log.info('other incidents still rely on this change: it stays until the last of them reverts', {
            mutationId: record.id,
            target: record.target,
            change: record.change,
          });
        }
      } else if (op.kind === 'suspend-cronjobs') {
        const previous = record.previous as PreviousCronJobs;
        const released = [];
        for (const job of previous)
          released.push({
            name: job.name,
            ...(await target.updateCronJob(
              op.namespace,
              job.name,
              (view) => planResume(op.namespace, job.name, view, record.id, req.onDrift),
              req.dryRun,
            )),
          });
        drift.push(...released.flatMap((j) => (j.drift ? [j.drift] : [])));
        // As for env: a dry run held nothing, and the restore is still validated by the server.
        if (!released.some((j) => j.held) && req.dryRun) {
          for (const job of previous)
            await target.updateCronJob(
              op.namespace,
              job.name,
              () => ({ suspended: job.suspended, annotations: {}, result: undefined }),
              true,
            );
        }
      }
      if (drift.length > 0) {
        const kept = req.onDrift === 'keep';
        log.warn(
          kept
            ? 'changed by hand since the engine set it: left as the human set it, by their choice'
            : 'changed by hand since the engine set it: not restored, a human chooses',
          { mutationId: record.id, drift },
        );
        return { ...record, ...withDrift(drift, 'revert', now()) };
      }
      const reverted = { ...record, revertedAt: now() };
      log.info('mutation reverted', {
        mutationId: record.id,
        step: record.step,
        target: record.target,
        mode: record.mode,
      });
      return reverted;
    },

    /** `kubectl rollout status`: waits for the new ReplicaSet, heartbeating; a stuck rollout fails for good. */
    async waitForRollout(req: {
      namespace: string;
      deployment: string;
      timeoutMs: number;
    }): Promise<{ ready: boolean; reason: string }> {
      const deadline = deps.clock().getTime() + req.timeoutMs;
      for (;;) {
        const status = await target.rolloutStatus(req.namespace, req.deployment);
        heartbeat(status.reason);
        if (status.failed)
          throw ApplicationFailure.nonRetryable(
            `rollout of deployment/${req.deployment} failed: ${status.reason}`,
            ErrorTypes.RolloutFailed,
          );
        if (status.done) return { ready: true, reason: status.reason };
        if (deps.clock().getTime() >= deadline)
          return { ready: false, reason: `timed out after ${req.timeoutMs} ms: ${status.reason}` };
        await sleep(deps.rolloutPollMs ?? 1_000);
      }
    },

    async readDeploymentState(req: { namespace: string; deployment: string }) {
      const state = await target.readDeployment(req.namespace, req.deployment);
      // Values sourced from secrets stay where they are; literal values are configuration.
      return {
        ...state,
        containers: state.containers.map((c) => ({
          name: c.name,
          env: c.env.map((e) => (e.valueFrom ? { name: e.name, valueFrom: 'secret/configmap reference' } : e)),
        })),
      };
    },

    /** "Key present / Key length": never the value. */
    async inspectSecretRef(req: { ref: SecretRef }): Promise<{ present: boolean; length: number; ref: string }> {
      return { ...(await inspectSecret(req.ref, secretDeps)), ref: describeSecretRef(req.ref) };
    },
  };
}

type KnobDrift = MutationDrift['knobs'][number];

const withDrift = (knobs: KnobDrift[], during: MutationDrift['during'], at: string): { drift?: MutationDrift } =>
  knobs.length > 0 ? { drift: { at, during, knobs } } : {};

function revertEnvKubectl(op: Extract<MutationOp, { kind: 'set-env' }>, previous: PreviousEnv): string {
  return previous
    .map(({ container, previous: p }) => {
      if (p?.valueFrom !== undefined) {
        // `kubectl set env --from` would rename the variable; a strategic merge patch restores it exactly.
        const patch = {
          spec: {
            template: {
              spec: {
                containers: [{ name: container, env: [{ name: op.name, value: null, valueFrom: p.valueFrom }] }],
              },
            },
          },
        };
        return `kubectl patch deployment/${op.deployment} ${nsFlag(op.namespace)} --type=strategic -p ${shellWord(JSON.stringify(patch))}`;
      }
      const assignment = p === null ? `${op.name}-` : shellWord(`${op.name}=${p.value ?? ''}`);
      return `kubectl set env deployment/${op.deployment} ${assignment} -c ${container} ${nsFlag(op.namespace)}`;
    })
    .join(' && ');
}

export function createRecordOnlyTarget(stateFile?: string): RecordOnlyTarget {
  return new RecordOnlyTarget({ stateFile });
}
