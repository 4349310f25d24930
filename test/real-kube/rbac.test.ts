import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppsV1Api, BatchV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { createKubernetesTarget } from '../../src/activities/kubernetes/index.ts';
import { ErrorTypes, type MutationOp, type MutationRecord } from '../../src/contract/index.ts';
import { activityRunner, failureOf } from '../kubernetes/helpers.ts';
import type { PolicyRule } from '../support/kube-api-server/index.ts';
import { IDEOGRAM, seedIdeogramThroughApi } from '../support/kube-api-server/seed.ts';
import { startRealKube, type RealKube } from '../support/real-kube.ts';
import { allowed, binaries, bindWorker, rbacManifest, startStatusWriter, type StatusWriter } from './support.ts';

const NS = IDEOGRAM.namespace;
const anchor = { namespace: NS, deployment: IDEOGRAM.deployment };
const NEW_KEY = 'sk-rbac-walk-77aa55cc';

/** Every Kubernetes call the runbook makes, once: each mutation applied, the rollout awaited, each mutation reverted newest first. */
async function walkEveryOperation(kubeconfigPath: string): Promise<void> {
  const r = activityRunner({
    target: createKubernetesTarget({ kubeconfigPath }),
    clock: () => new Date(),
    env: { NEW_IDEOGRAM_KEY: NEW_KEY },
    rolloutPollMs: 10,
  });
  await r.run('readDeploymentState', anchor);
  await r.run('inspectSecretRef', {
    ref: { kind: 'k8s', namespace: NS, name: IDEOGRAM.secret, key: IDEOGRAM.secretKey },
  });
  const ops: MutationOp[] = [
    { kind: 'set-env', ...anchor, name: 'IDEOGRAM_CONCURRENCY', value: '2' },
    { kind: 'set-env', ...anchor, container: 'api', name: 'IDEOGRAM_API_KEY', value: 'placeholder' },
    { kind: 'suspend-cronjobs', namespace: NS, selector: IDEOGRAM.batchSelector },
    {
      kind: 'apply-secret',
      namespace: NS,
      secretName: IDEOGRAM.secret,
      key: IDEOGRAM.secretKey,
      ref: { kind: 'env', name: 'NEW_IDEOGRAM_KEY' },
    },
    { kind: 'rollout-restart', ...anchor },
  ];
  const records: MutationRecord[] = [];
  for (const [i, op] of ops.entries()) {
    records.push(
      await r.run('applyMutation', { mutationId: `rbac-walk/${i}-${op.kind}`, step: op.kind, op, dryRun: false }),
    );
  }
  expect(await r.run('waitForRollout', { ...anchor, timeoutMs: 15_000 })).toMatchObject({ ready: true });
  for (const record of records.reverse()) await r.run('revertMutation', { record, dryRun: false });
}

/** The Role of deploy/rbac.yaml with one verb taken out of one rule (the rule dropped if it had only that verb). */
const without = (ruleIndex: number, verb: string) => (rules: PolicyRule[]) =>
  rules.flatMap((rule, i) => {
    if (i !== ruleIndex) return [rule];
    const verbs = rule.verbs.filter((v) => v !== verb);
    return verbs.length > 0 ? [{ ...rule, verbs }] : [];
  });

describe.runIf(binaries !== undefined)('real kube-apiserver: least privilege of deploy/rbac.yaml', () => {
  let kube: RealKube;
  let statusWriter: StatusWriter;
  let apps: AppsV1Api;
  let core: CoreV1Api;
  let batch: BatchV1Api;

  const snapshot = async () => {
    const d = await apps.readNamespacedDeployment({ namespace: NS, name: IDEOGRAM.deployment });
    const template = structuredClone(d.spec!.template);
    delete template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'];
    if (template.metadata?.annotations && Object.keys(template.metadata.annotations).length === 0)
      delete template.metadata.annotations;
    const secrets = (await core.listNamespacedSecret({ namespace: NS })).items.map((s) => [s.metadata!.name, s.data]);
    const cronJobs = (await batch.listNamespacedCronJob({ namespace: NS })).items.map((j) => [
      j.metadata!.name,
      j.spec!.suspend,
    ]);
    return { template, deploymentAnnotations: d.metadata!.annotations ?? {}, secrets, cronJobs };
  };

  beforeAll(async () => {
    kube = await startRealKube({ binaries });
    const kc = new KubeConfig();
    kc.loadFromFile(kube.kubeconfigPath);
    apps = kc.makeApiClient(AppsV1Api);
    core = kc.makeApiClient(CoreV1Api);
    batch = kc.makeApiClient(BatchV1Api);
    statusWriter = startStatusWriter(kube);
  }, 180_000);

  afterAll(async () => {
    await statusWriter?.stop();
    await kube?.stop();
  });

  beforeEach(async () => {
    await seedIdeogramThroughApi(kube.kubeconfigPath);
    await statusWriter.caughtUp();
  });

  it('every operation, applied and reverted, succeeds with only the Role as written, and leaves the world as it was', async () => {
    const worker = await bindWorker(kube);
    const before = await snapshot();
    await walkEveryOperation(worker.kubeconfig);
    const after = await snapshot();
    expect(after).toEqual(before);
    // The Role grants nothing beyond the runbook's objects.
    expect(
      await allowed(kube, worker.user, { verb: 'get', group: '', resource: 'secrets', name: 'other-team-secret' }),
    ).toBe(false);
    expect(await allowed(kube, worker.user, { verb: 'list', group: '', resource: 'secrets' })).toBe(false);
    expect(
      await allowed(kube, worker.user, {
        verb: 'patch',
        group: 'apps',
        resource: 'deployments',
        name: 'billing-service',
      }),
    ).toBe(false);
    expect(
      await allowed(kube, worker.user, {
        verb: 'delete',
        group: 'apps',
        resource: 'deployments',
        name: IDEOGRAM.deployment,
      }),
    ).toBe(false);
    expect(
      await allowed(kube, worker.user, {
        verb: 'patch',
        group: 'apps',
        resource: 'deployments',
        name: IDEOGRAM.deployment,
        namespace: 'kube-system',
      }),
    ).toBe(false);
  });

  it('without "patch" on deployments, set env fails for good (KubernetesForbidden) naming the verb and resource, and changes nothing', async () => {
    const role = (await rbacManifest()).find((m) => m.kind === 'Role')!;
    const deploymentsRule = role.rules!.findIndex((r) => r.resources.includes('deployments'));
    const worker = await bindWorker(kube, { suffix: 'no-deployments-patch', rules: without(deploymentsRule, 'patch') });
    const before = await apps.readNamespacedDeployment({ namespace: NS, name: IDEOGRAM.deployment });
    const r = activityRunner({
      target: createKubernetesTarget({ kubeconfigPath: worker.kubeconfig }),
      clock: () => new Date(),
      env: {},
      rolloutPollMs: 10,
    });
    const failure = await failureOf(
      r.run('applyMutation', {
        mutationId: 'inc-rbac/fallback',
        step: 'fallback',
        op: { kind: 'set-env', ...anchor, name: 'IDEOGRAM_FALLBACK', value: 'true' },
        dryRun: false,
      }),
    );
    expect(failure).toMatchObject({ type: ErrorTypes.KubernetesForbidden, nonRetryable: true });
    expect(failure.message).toContain(
      'missing verb "patch" on resource "deployments" (resourceNames: ideogram-service)',
    );
    expect(failure.message).toContain('HTTP 403 Forbidden');
    const after = await apps.readNamespacedDeployment({ namespace: NS, name: IDEOGRAM.deployment });
    expect(after.metadata!.resourceVersion).toBe(before.metadata!.resourceVersion);
  });

  it('every verb of the Role is needed: without any one of them the walk fails on exactly that verb', async () => {
    const role = (await rbacManifest()).find((m) => m.kind === 'Role')!;
    const removals = role.rules!.flatMap((rule, ruleIndex) =>
      rule.verbs.map((verb) => ({
        ruleIndex,
        verb,
        resource: rule.resources[0]!,
        named: rule.resourceNames !== undefined,
      })),
    );
    expect(removals.length).toBeGreaterThan(5);
    const outcomes: string[] = [];
    for (const { ruleIndex, verb, resource, named } of removals) {
      await seedIdeogramThroughApi(kube.kubeconfigPath);
      await statusWriter.caughtUp();
      const worker = await bindWorker(kube, {
        suffix: `no-${resource}-${verb}${named ? '-named' : ''}`,
        rules: without(ruleIndex, verb),
      });
      const failure = await failureOf(walkEveryOperation(worker.kubeconfig));
      outcomes.push(
        `${verb} ${resource}: ${(failure as { type?: string }).type} ${/missing verb "\w+" on resource "\w+"/.exec(failure.message)?.[0]}`,
      );
    }
    expect(outcomes).toEqual(
      removals.map(
        ({ verb, resource }) =>
          `${verb} ${resource}: KubernetesForbidden missing verb "${verb}" on resource "${resource}"`,
      ),
    );
  });
});
