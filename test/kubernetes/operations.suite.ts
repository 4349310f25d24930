import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
} from '@kubernetes/client-node';
import {
  createKubernetesTarget,
  type KubeActivityDeps,
  type PreviousSecret,
} from '../../src/activities/kubernetes/index.ts';
import { ErrorTypes, type MutationOp, type MutationRecord } from '../../src/contract/index.ts';
import { IDEOGRAM } from '../support/kube-api-server/seed.ts';
import { activityRunner, failureOf } from './helpers.ts';

/** What the operation suite needs from a Kubernetes API server (the test server, or a real one). */
export interface KubeSuiteHarness {
  /** The worker's identity: bound to the Role in deploy/rbac.yaml. */
  workerKubeconfig: string;
  /** Full rights, for arranging and checking. */
  adminKubeconfig: string;
  /** Authenticated, but allowed nothing. */
  deniedKubeconfig: string;
  /** A token the server does not accept. */
  unauthenticatedKubeconfig: string;
  /** Points at an address where nothing listens. */
  unreachableKubeconfig: string;
  /** (Re)creates the seed world in `IDEOGRAM.namespace`: deployment, secret, labelled CronJobs. */
  seed(): Promise<void>;
  /** Test server only: make the next matching request fail or answer late. */
  injectFault?(fault: {
    verb?: string;
    resource?: string;
    name?: string;
    status?: number;
    delayMs?: number;
    times?: number;
  }): void;
  /** A rollout controller runs: waitForRollout can complete, and this makes rollouts stall. */
  rollouts?: { setStuck(stuck: boolean): void };
  stop(): Promise<void>;
}

const NS = IDEOGRAM.namespace;
const DEP = IDEOGRAM.deployment;
const NEW_KEY = 'sk-new-4d3c2b1a0fedcba';
const deployment = { namespace: NS, deployment: DEP };

/** What the server behind the harness can do beyond the API itself; tests needing more are not defined. */
export interface KubeSuiteFeatures {
  faults: boolean;
  rolloutController: boolean;
}

export function defineKubeOperationSuite(
  name: string,
  harnessFactory: () => Promise<KubeSuiteHarness>,
  features: KubeSuiteFeatures,
): void {
  describe(`Kubernetes remediation operations (${name})`, () => {
    let h: KubeSuiteHarness;
    let apps: AppsV1Api;
    let core: CoreV1Api;
    let batch: BatchV1Api;
    let seq = 0;

    const deps = (kubeconfigPath: string, overrides: Partial<KubeActivityDeps> = {}): KubeActivityDeps => ({
      target: createKubernetesTarget({ kubeconfigPath }),
      clock: () => new Date(),
      env: { NEW_IDEOGRAM_KEY: NEW_KEY },
      rolloutPollMs: 10,
      ...overrides,
    });
    const worker = () => activityRunner(deps(h.workerKubeconfig));
    const apply = (
      r: ReturnType<typeof worker>,
      op: MutationOp,
      opts: { mutationId?: string; dryRun?: boolean } = {},
    ) =>
      r.run('applyMutation', {
        mutationId: opts.mutationId ?? `incident-${++seq}/step`,
        step: 'step',
        op,
        dryRun: opts.dryRun ?? false,
      });
    const revert = (r: ReturnType<typeof worker>, record: MutationRecord, dryRun = false) =>
      r.run('revertMutation', { record, dryRun });

    const readDeployment = () => apps.readNamespacedDeployment({ namespace: NS, name: DEP });
    const envOf = (d: V1Deployment, container: string) =>
      d.spec!.template!.spec!.containers.find((c) => c.name === container)!.env ?? [];
    const readSecret = async (secret: string) => {
      try {
        const s = await core.readNamespacedSecret({ namespace: NS, name: secret });
        return Object.fromEntries(
          Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
        );
      } catch {
        return undefined;
      }
    };
    const suspendedFlags = async () =>
      Object.fromEntries(
        (await batch.listNamespacedCronJob({ namespace: NS })).items.map((j) => [
          j.metadata!.name!,
          j.spec!.suspend === true,
        ]),
      );
    const priorStateAnnotations = (d: V1Deployment) =>
      Object.keys(d.metadata?.annotations ?? {}).filter((k) => k.startsWith('runbook.dev/'));

    beforeAll(async () => {
      h = await harnessFactory();
      const kc = new KubeConfig();
      kc.loadFromFile(h.adminKubeconfig);
      apps = kc.makeApiClient(AppsV1Api);
      core = kc.makeApiClient(CoreV1Api);
      batch = kc.makeApiClient(BatchV1Api);
    });
    afterAll(async () => h?.stop());
    beforeEach(async () => h.seed());

    describe('set env (kubectl set env)', () => {
      it('adds a variable to every container, keeps the others, records absence, and reverts to absence', async () => {
        const before = await readDeployment();
        const r = worker();
        const op: MutationOp = { kind: 'set-env', ...deployment, name: 'IDEOGRAM_FALLBACK', value: 'true' };
        const record = await apply(r, op);
        expect(record).toMatchObject({
          mode: 'applied',
          changed: true,
          change: 'IDEOGRAM_FALLBACK=true',
          target: `deployment/${DEP} -n ${NS}`,
        });
        expect(record.kubectl).toBe(`kubectl set env deployment/${DEP} IDEOGRAM_FALLBACK=true -n ${NS}`);
        expect(record.previous).toEqual([
          { container: 'api', previous: null },
          { container: 'worker', previous: null },
        ]);
        expect(record.revertKubectl).toContain(`kubectl set env deployment/${DEP} IDEOGRAM_FALLBACK- -c api -n ${NS}`);
        const after = await readDeployment();
        for (const c of ['api', 'worker']) {
          expect(envOf(after, c)).toContainEqual({ name: 'IDEOGRAM_FALLBACK', value: 'true' });
          expect(envOf(after, c).filter((e) => e.name !== 'IDEOGRAM_FALLBACK')).toEqual(envOf(before, c));
        }
        // The owner record (an annotation) and the env change in one guarded write: one generation.
        expect(after.metadata!.generation).toBe(before.metadata!.generation! + 1);

        const reverted = await revert(r, record);
        expect(reverted.revertedAt).toBeDefined();
        const restored = await readDeployment();
        expect(restored.spec!.template).toEqual(before.spec!.template);
        expect(priorStateAnnotations(restored)).toEqual([]);
        await revert(r, record);
        expect((await readDeployment()).spec!.template).toEqual(before.spec!.template);
      });

      it('is idempotent: the same mutation, or the same change again, changes nothing the second time', async () => {
        const r = worker();
        const op: MutationOp = { kind: 'set-env', ...deployment, name: 'IDEOGRAM_CONCURRENCY', value: '3' };
        const first = await apply(r, op, { mutationId: 'inc-1/reduce-concurrency' });
        const afterFirst = await readDeployment();
        const retried = await apply(r, op, { mutationId: 'inc-1/reduce-concurrency' });
        expect(retried.changed).toBe(false);
        // The retry still knows the pre-incident values, not its own change.
        expect(retried.previous).toEqual(first.previous);
        expect(first.previous).toEqual([
          { container: 'api', previous: { name: 'IDEOGRAM_CONCURRENCY', value: '8' } },
          { container: 'worker', previous: { name: 'IDEOGRAM_CONCURRENCY', value: '4' } },
        ]);
        const again = await apply(r, op, { mutationId: 'inc-2/reduce-concurrency' });
        expect(again.changed).toBe(false);
        const afterAll = await readDeployment();
        // Only the second incident joining the owner record (it bumps generation, as in Kubernetes): no template change, no rollout.
        expect(afterAll.metadata!.generation).toBe(afterFirst.metadata!.generation! + 1);
        expect(afterAll.spec!.template).toEqual(afterFirst.spec!.template);

        // Newest first, as the workflow reverts: the later incident leaves (the first still holds 3), then the first restores 8/4.
        await revert(r, again);
        expect(envOf(await readDeployment(), 'api')).toContainEqual({ name: 'IDEOGRAM_CONCURRENCY', value: '3' });
        await revert(r, first);
        const restored = await readDeployment();
        expect(envOf(restored, 'api')).toContainEqual({ name: 'IDEOGRAM_CONCURRENCY', value: '8' });
        expect(envOf(restored, 'worker')).toContainEqual({ name: 'IDEOGRAM_CONCURRENCY', value: '4' });
      });

      it('replaces a valueFrom variable with a literal cleanly in one container, and restores the valueFrom', async () => {
        const before = await readDeployment();
        const r = worker();
        const record = await apply(r, {
          kind: 'set-env',
          ...deployment,
          container: 'api',
          name: 'IDEOGRAM_API_KEY',
          value: 'placeholder',
        });
        expect(record.kubectl).toBe(`kubectl set env deployment/${DEP} IDEOGRAM_API_KEY=placeholder -c api -n ${NS}`);
        const revertPrefix = `kubectl patch deployment/${DEP} -n ${NS} --type=strategic -p '`;
        expect(record.revertKubectl!.startsWith(revertPrefix)).toBe(true);
        expect(JSON.parse(record.revertKubectl!.slice(revertPrefix.length, -1))).toEqual({
          spec: {
            template: {
              spec: {
                containers: [
                  {
                    name: 'api',
                    env: [
                      {
                        name: 'IDEOGRAM_API_KEY',
                        value: null,
                        valueFrom: { secretKeyRef: { name: IDEOGRAM.secret, key: IDEOGRAM.secretKey } },
                      },
                    ],
                  },
                ],
              },
            },
          },
        });
        const after = await readDeployment();
        expect(envOf(after, 'api').find((e) => e.name === 'IDEOGRAM_API_KEY')).toEqual({
          name: 'IDEOGRAM_API_KEY',
          value: 'placeholder',
        });
        expect(envOf(after, 'worker')).toEqual(envOf(before, 'worker'));
        await revert(r, record);
        expect((await readDeployment()).spec!.template).toEqual(before.spec!.template);
      });

      it('quotes values for the shell in the kubectl equivalent', async () => {
        const record = await apply(worker(), {
          kind: 'set-env',
          ...deployment,
          container: 'api',
          name: 'GREETING',
          value: "it's on",
        });
        expect(record.kubectl).toBe(`kubectl set env deployment/${DEP} 'GREETING=it'\\''s on' -c api -n ${NS}`);
        expect(envOf(await readDeployment(), 'api')).toContainEqual({ name: 'GREETING', value: "it's on" });
      });

      it('names a container that does not exist as not found', async () => {
        const failure = await failureOf(
          apply(worker(), { kind: 'set-env', ...deployment, container: 'sidecar', name: 'X', value: '1' }),
        );
        expect(failure).toMatchObject({ type: ErrorTypes.KubernetesNotFound, nonRetryable: true });
        expect(failure.message).toContain('container "sidecar"');
      });
    });

    describe('rollout restart and rollout status', () => {
      it('sets the restartedAt annotation of the pod template, once per activity even when retried', async () => {
        const r = worker();
        const op: MutationOp = { kind: 'rollout-restart', ...deployment };
        const record = await apply(r, op);
        expect(record).toMatchObject({
          changed: true,
          kubectl: `kubectl rollout restart deployment/${DEP} -n ${NS}`,
          previous: { restartedAt: null },
        });
        const after = await readDeployment();
        const at = after.spec!.template!.metadata!.annotations!['kubectl.kubernetes.io/restartedAt'];
        expect(record.change).toBe(`restartedAt=${at}`);
        const retry = await r.run(
          'applyMutation',
          { mutationId: record.id, step: 'step', op, dryRun: false },
          { attempt: 2, scheduledTimestampMs: Date.parse(at!) - 1 },
        );
        expect(retry.changed).toBe(false);
        expect((await readDeployment()).metadata!.generation).toBe(after.metadata!.generation);
      });

      it('refuses a paused deployment with DeploymentPaused', async () => {
        await apps.patchNamespacedDeployment(
          { namespace: NS, name: DEP, body: { spec: { paused: true } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
        const failure = await failureOf(apply(worker(), { kind: 'rollout-restart', ...deployment }));
        expect(failure).toMatchObject({ type: ErrorTypes.DeploymentPaused, nonRetryable: true });
        expect(failure.message).toContain('paused');
        expect(
          (await readDeployment()).spec!.template!.metadata!.annotations?.['kubectl.kubernetes.io/restartedAt'],
        ).toBeUndefined();
      });

      it('reads the deployment state without the values of secret-sourced variables', async () => {
        const state = await worker().run('readDeploymentState', deployment);
        expect(state).toMatchObject({ paused: false, replicas: 2, namespace: NS, deployment: DEP });
        expect(state.generation).toBeGreaterThan(0);
        const api = state.containers.find((c) => c.name === 'api')!;
        expect(api.env).toContainEqual({ name: 'IDEOGRAM_CONCURRENCY', value: '8' });
        expect(api.env).toContainEqual({ name: 'IDEOGRAM_API_KEY', valueFrom: 'secret/configmap reference' });
      });
    });

    describe('apply secret (create secret --dry-run=client | apply)', () => {
      const op: MutationOp = {
        kind: 'apply-secret',
        namespace: NS,
        secretName: IDEOGRAM.secret,
        key: IDEOGRAM.secretKey,
        ref: { kind: 'env', name: 'NEW_IDEOGRAM_KEY' },
      };

      it('sets the key from a reference, backs the old value up in-cluster, and restores it on revert', async () => {
        const r = worker();
        const record = await apply(r, op, { mutationId: 'inc-7/rotate-key' });
        expect(record).toMatchObject({ changed: true, mode: 'applied', target: `secret/${IDEOGRAM.secret} -n ${NS}` });
        expect(record.change).toBe(`secret/${IDEOGRAM.secret} key ${IDEOGRAM.secretKey} from env:NEW_IDEOGRAM_KEY`);
        // The prior state lives with the backup, not on the deployment: an unreverted rotation leaves it untouched.
        expect(priorStateAnnotations(await readDeployment())).toEqual([]);
        expect(record.kubectl).toContain(
          `kubectl create secret generic ${IDEOGRAM.secret} --from-literal=${IDEOGRAM.secretKey}="$NEW_KEY" --dry-run=client -o yaml | kubectl apply`,
        );
        expect(await readSecret(IDEOGRAM.secret)).toEqual({
          [IDEOGRAM.secretKey]: NEW_KEY,
          'webhook-token': 'whk-untouched',
        });
        const previous = record.previous as PreviousSecret;
        expect(previous).toMatchObject({
          key: IDEOGRAM.secretKey,
          secretExisted: true,
          keyExisted: true,
          backup: { secret: `${IDEOGRAM.secret}-runbook-backup` },
        });
        expect(await readSecret(previous.backup.secret)).toEqual({ [previous.backup.key]: IDEOGRAM.oldApiKey });
        const backup = await core.readNamespacedSecret({ namespace: NS, name: previous.backup.secret });
        expect(backup.metadata!.labels).toEqual({ 'runbook.dev/backup-of': IDEOGRAM.secret });

        const again = await apply(r, op, { mutationId: 'inc-7/rotate-key' });
        expect(again.changed).toBe(false);
        expect(again.previous).toEqual(record.previous);
        expect(await readSecret(previous.backup.secret)).toEqual({ [previous.backup.key]: IDEOGRAM.oldApiKey });

        const reverted = await revert(r, record);
        expect(await readSecret(IDEOGRAM.secret)).toEqual({
          [IDEOGRAM.secretKey]: IDEOGRAM.oldApiKey,
          'webhook-token': 'whk-untouched',
        });
        expect(await readSecret(previous.backup.secret)).toBeUndefined();
        expect(priorStateAnnotations(await readDeployment())).toEqual([]);
        await revert(r, record);
        expect(await readSecret(IDEOGRAM.secret)).toEqual({
          [IDEOGRAM.secretKey]: IDEOGRAM.oldApiKey,
          'webhook-token': 'whk-untouched',
        });

        const everything = JSON.stringify([record, again, reverted]) + r.logger.lines.join('\n');
        for (const value of [
          NEW_KEY,
          IDEOGRAM.oldApiKey,
          Buffer.from(NEW_KEY).toString('base64'),
          Buffer.from(IDEOGRAM.oldApiKey).toString('base64'),
        ]) {
          expect(everything).not.toContain(value);
        }
      });

      it('removes a key it added, and deletes a secret it created, on revert', async () => {
        const r = worker();
        const added = await apply(r, { ...op, key: 'fallback-key' } as MutationOp);
        expect(added.previous).toMatchObject({ secretExisted: true, keyExisted: false });
        expect((await readSecret(IDEOGRAM.secret))?.['fallback-key']).toBe(NEW_KEY);
        await revert(r, added);
        expect(await readSecret(IDEOGRAM.secret)).toEqual({
          [IDEOGRAM.secretKey]: IDEOGRAM.oldApiKey,
          'webhook-token': 'whk-untouched',
        });

        await core.deleteNamespacedSecret({ namespace: NS, name: IDEOGRAM.secret });
        const created = await apply(r, op);
        expect(created.previous).toMatchObject({ secretExisted: false, keyExisted: false });
        expect(created.revertKubectl).toBe(`kubectl delete secret ${IDEOGRAM.secret} -n ${NS}`);
        expect(await readSecret(IDEOGRAM.secret)).toEqual({ [IDEOGRAM.secretKey]: NEW_KEY });
        await revert(r, created);
        expect(await readSecret(IDEOGRAM.secret)).toBeUndefined();
      });

      it('reports "Key present / Key length" of a secret reference, never the value', async () => {
        const r = worker();
        const inspected = await r.run('inspectSecretRef', {
          ref: { kind: 'k8s', namespace: NS, name: IDEOGRAM.secret, key: IDEOGRAM.secretKey },
        });
        expect(inspected).toEqual({
          present: true,
          length: IDEOGRAM.oldApiKey.length,
          ref: `k8s:${NS}/${IDEOGRAM.secret}#${IDEOGRAM.secretKey}`,
        });
        expect(
          await r.run('inspectSecretRef', {
            ref: { kind: 'k8s', namespace: NS, name: IDEOGRAM.secret, key: 'missing' },
          }),
        ).toMatchObject({ present: false, length: 0 });
      });
    });

    describe('suspend and resume CronJobs by label', () => {
      it('suspends the selected jobs and restores exactly the prior suspend flags', async () => {
        const before = await suspendedFlags();
        expect(before).toEqual({
          'nightly-batch': false,
          'thumbnail-backfill': false,
          'weekly-report': true,
          'unrelated-cleanup': false,
        });
        const r = worker();
        const op: MutationOp = { kind: 'suspend-cronjobs', namespace: NS, selector: IDEOGRAM.batchSelector };
        const record = await apply(r, op, { mutationId: 'inc-9/pause-batch' });
        expect(record.changed).toBe(true);
        expect(record.previous).toEqual([
          { name: 'nightly-batch', suspended: false },
          { name: 'thumbnail-backfill', suspended: false },
          { name: 'weekly-report', suspended: true },
        ]);
        expect(record.revertKubectl).toBe(
          `kubectl patch cronjob/nightly-batch -n ${NS} -p '{"spec":{"suspend":false}}' && kubectl patch cronjob/thumbnail-backfill -n ${NS} -p '{"spec":{"suspend":false}}'`,
        );
        expect(await suspendedFlags()).toEqual({
          'nightly-batch': true,
          'thumbnail-backfill': true,
          'weekly-report': true,
          'unrelated-cleanup': false,
        });
        const again = await apply(r, op, { mutationId: 'inc-9/pause-batch' });
        expect(again.changed).toBe(false);
        expect(again.previous).toEqual(record.previous);
        await revert(r, record);
        expect(await suspendedFlags()).toEqual(before);
        await revert(r, record);
        expect(await suspendedFlags()).toEqual(before);
      });
    });

    describe('server-side dry run', () => {
      it('validates every operation with dryRun=All and persists nothing', async () => {
        const deploymentBefore = await readDeployment();
        const secretBefore = await readSecret(IDEOGRAM.secret);
        const flagsBefore = await suspendedFlags();
        const r = worker();
        const ops: MutationOp[] = [
          { kind: 'set-env', ...deployment, name: 'IDEOGRAM_FALLBACK', value: 'true' },
          { kind: 'set-env', ...deployment, container: 'api', name: 'IDEOGRAM_API_KEY', value: 'x' },
          { kind: 'rollout-restart', ...deployment },
          {
            kind: 'apply-secret',
            namespace: NS,
            secretName: IDEOGRAM.secret,
            key: IDEOGRAM.secretKey,
            ref: { kind: 'env', name: 'NEW_IDEOGRAM_KEY' },
          },
          { kind: 'suspend-cronjobs', namespace: NS, selector: IDEOGRAM.batchSelector },
        ];
        for (const op of ops) {
          const record = await apply(r, op, { dryRun: true });
          expect(record.mode).toBe('dry-run');
          await revert(r, record, true);
        }
        const deploymentAfter = await readDeployment();
        expect(deploymentAfter.metadata!.resourceVersion).toBe(deploymentBefore.metadata!.resourceVersion);
        expect(deploymentAfter.spec).toEqual(deploymentBefore.spec);
        expect(await readSecret(IDEOGRAM.secret)).toEqual(secretBefore);
        expect(await readSecret(`${IDEOGRAM.secret}-runbook-backup`)).toBeUndefined();
        expect(await suspendedFlags()).toEqual(flagsBefore);
      });
    });

    describe('errors', () => {
      it('RBAC denial is KubernetesForbidden naming the missing verb and resource', async () => {
        const r = activityRunner(deps(h.deniedKubeconfig));
        const failure = await failureOf(
          apply(r, { kind: 'set-env', ...deployment, name: 'IDEOGRAM_FALLBACK', value: 'true' }),
        );
        expect(failure).toMatchObject({ type: ErrorTypes.KubernetesForbidden, nonRetryable: true });
        expect(failure.message).toContain('missing verb "get" on resource "deployments"');
        const listFailure = await failureOf(
          apply(r, { kind: 'suspend-cronjobs', namespace: NS, selector: IDEOGRAM.batchSelector }, { dryRun: true }),
        );
        expect(listFailure.message).toContain('missing verb "list" on resource "cronjobs"');
      });

      it('an unaccepted token (401) is KubernetesForbidden too: a human must fix the credentials', async () => {
        const failure = await failureOf(
          activityRunner(deps(h.unauthenticatedKubeconfig)).run('readDeploymentState', deployment),
        );
        expect(failure).toMatchObject({ type: ErrorTypes.KubernetesForbidden, nonRetryable: true });
        expect(failure.message).toContain('HTTP 401 Unauthorized');
      });

      it('the worker Role cannot touch other deployments: forbidden, not not-found', async () => {
        const failure = await failureOf(
          apply(worker(), { kind: 'rollout-restart', namespace: NS, deployment: 'billing-service' }),
        );
        expect(failure).toMatchObject({ type: ErrorTypes.KubernetesForbidden, nonRetryable: true });
        expect(failure.message).toContain('deployments "billing-service"');
      });

      it('a missing object is KubernetesNotFound naming it', async () => {
        const r = activityRunner(deps(h.adminKubeconfig));
        const failure = await failureOf(
          apply(r, { kind: 'set-env', namespace: NS, deployment: 'no-such-service', name: 'A', value: '1' }),
        );
        expect(failure).toMatchObject({ type: ErrorTypes.KubernetesNotFound, nonRetryable: true });
        expect(failure.message).toContain('deployments "no-such-service" in namespace payments');
      });

      it('an unreachable API server is a retryable error', async () => {
        const failure = await failureOf(
          activityRunner(deps(h.unreachableKubeconfig)).run('readDeploymentState', deployment),
        );
        expect(failure.nonRetryable).not.toBe(true);
        expect(failure.message).toContain('Kubernetes API unreachable on get deployments "ideogram-service"');
      });
    });
  });

  describe(`Kubernetes faults and rollouts (${name})`, () => {
    let h: KubeSuiteHarness;
    beforeAll(async () => {
      h = await harnessFactory();
    });
    afterAll(async () => h?.stop());
    beforeEach(async () => h.seed());
    const runner = () =>
      activityRunner({
        target: createKubernetesTarget({ kubeconfigPath: h.workerKubeconfig }),
        clock: () => new Date(),
        env: { NEW_IDEOGRAM_KEY: NEW_KEY },
        rolloutPollMs: 10,
      });

    const rolloutIt = features.rolloutController ? it : undefined;
    const faultIt = features.faults ? it : undefined;

    rolloutIt?.('waits for a restart to roll out, heartbeating', async () => {
      const r = runner();
      await r.run('applyMutation', {
        mutationId: 'inc-3/restart',
        step: 'restart',
        op: { kind: 'rollout-restart', ...deployment },
        dryRun: false,
      });
      const result = await r.run('waitForRollout', { ...deployment, timeoutMs: 30_000 });
      expect(result).toMatchObject({ ready: true, reason: `deployment "${DEP}" successfully rolled out` });
      expect(r.heartbeats.length).toBeGreaterThan(0);
    });

    rolloutIt?.('a rollout past its progress deadline fails for good (RolloutFailed)', async () => {
      const r = runner();
      h.rollouts!.setStuck(true);
      await r.run('applyMutation', {
        mutationId: 'inc-4/restart',
        step: 'restart',
        op: { kind: 'rollout-restart', ...deployment },
        dryRun: false,
      });
      const failure = await failureOf(r.run('waitForRollout', { ...deployment, timeoutMs: 30_000 }));
      expect(failure).toMatchObject({ type: ErrorTypes.RolloutFailed, nonRetryable: true });
      expect(failure.message).toContain('exceeded its progress deadline');
    });

    faultIt?.(
      'a 409 Conflict on the guarded write is re-read and retried inside the activity; a persistent one fails retryably',
      async () => {
        const r = runner();
        const op: MutationOp = { kind: 'set-env', ...deployment, name: 'IDEOGRAM_FALLBACK', value: 'true' };
        h.injectFault!({ verb: 'patch', resource: 'deployments', status: 409, times: 3 });
        const record = await r.run('applyMutation', {
          mutationId: 'inc-409/fallback',
          step: 'fallback',
          op,
          dryRun: false,
        });
        expect(record.previous).toEqual([
          { container: 'api', previous: null },
          { container: 'worker', previous: null },
        ]);
        h.injectFault!({ verb: 'patch', resource: 'deployments', status: 409, times: 1_000 });
        const failure = await failureOf(r.run('revertMutation', { record, dryRun: false }));
        expect(failure.nonRetryable).not.toBe(true);
        expect(failure.message).toContain('HTTP 409 on patch deployments "ideogram-service"');
      },
    );

    for (const status of [429, 500, 503]) {
      faultIt?.(`HTTP ${status} is retryable, and the retry completes the change`, async () => {
        const r = runner();
        const op: MutationOp = { kind: 'set-env', ...deployment, name: 'IDEOGRAM_FALLBACK', value: 'true' };
        h.injectFault!({ verb: 'patch', resource: 'deployments', status });
        const failure = await failureOf(
          r.run('applyMutation', { mutationId: `inc-${status}/fallback`, step: 'fallback', op, dryRun: false }),
        );
        expect(failure.nonRetryable).not.toBe(true);
        expect(failure.message).toContain(`HTTP ${status} on patch deployments "ideogram-service"`);
        const retried = await r.run(
          'applyMutation',
          { mutationId: `inc-${status}/fallback`, step: 'fallback', op, dryRun: false },
          { attempt: 2 },
        );
        expect(retried.previous).toEqual([
          { container: 'api', previous: null },
          { container: 'worker', previous: null },
        ]);
        const state = await r.run('readDeploymentState', deployment);
        expect(
          state.containers.every((c) => c.env.some((e) => e.name === 'IDEOGRAM_FALLBACK' && e.value === 'true')),
        ).toBe(true);
      });
    }

    faultIt?.('an injected 403 names the verb and resource; an injected 404 names the object', async () => {
      const r = runner();
      h.injectFault!({ verb: 'patch', resource: 'cronjobs', status: 403 });
      const forbidden = await failureOf(
        r.run('applyMutation', {
          mutationId: 'inc-5/pause',
          step: 'pause',
          op: { kind: 'suspend-cronjobs', namespace: NS, selector: IDEOGRAM.batchSelector },
          dryRun: false,
        }),
      );
      expect(forbidden).toMatchObject({ type: ErrorTypes.KubernetesForbidden, nonRetryable: true });
      expect(forbidden.message).toContain('missing verb "patch" on resource "cronjobs"');
      h.injectFault!({ verb: 'get', resource: 'secrets', name: IDEOGRAM.secret, status: 404 });
      const inspected = await r.run('inspectSecretRef', {
        ref: { kind: 'k8s', namespace: NS, name: IDEOGRAM.secret, key: IDEOGRAM.secretKey },
      });
      expect(inspected).toMatchObject({ present: false, length: 0 });
    });

    faultIt?.('a failing secret write names the call, never the value', async () => {
      const r = runner();
      const op: MutationOp = {
        kind: 'apply-secret',
        namespace: NS,
        secretName: IDEOGRAM.secret,
        key: IDEOGRAM.secretKey,
        ref: { kind: 'env', name: 'NEW_IDEOGRAM_KEY' },
      };
      const errors: Error[] = [];
      for (const status of [500, 403, 422]) {
        h.injectFault!({ verb: 'patch', resource: 'secrets', name: IDEOGRAM.secret, status });
        errors.push(
          await failureOf(
            r.run('applyMutation', { mutationId: `inc-8/rotate-${status}`, step: 'rotate', op, dryRun: false }),
          ),
        );
      }
      expect(errors.map((e) => e.message)).toEqual([
        expect.stringContaining('HTTP 500 on patch secrets "ideogram-secrets"'),
        expect.stringContaining('Kubernetes refused to patch secrets "ideogram-secrets"'),
        expect.stringContaining('Kubernetes rejected patch secrets "ideogram-secrets"'),
      ]);
      const everything =
        JSON.stringify(
          errors.map((e) => ({ message: e.message, stack: e.stack, cause: String((e as { cause?: unknown }).cause) })),
        ) + r.logger.lines.join('\n');
      for (const value of [
        NEW_KEY,
        Buffer.from(NEW_KEY).toString('base64'),
        IDEOGRAM.oldApiKey,
        Buffer.from(IDEOGRAM.oldApiKey).toString('base64'),
      ])
        expect(everything).not.toContain(value);
    });

    faultIt?.('a slow API server still completes the operation', async () => {
      h.injectFault!({ verb: 'get', resource: 'deployments', delayMs: 200, times: 2 });
      const record = await runner().run('applyMutation', {
        mutationId: 'inc-6/concurrency',
        step: 'c',
        op: { kind: 'set-env', ...deployment, name: 'IDEOGRAM_CONCURRENCY', value: '3' },
        dryRun: false,
      });
      expect(record.changed).toBe(true);
    });
  });
}
