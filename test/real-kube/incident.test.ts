import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppsV1Api, BatchV1Api, CoreV1Api, KubeConfig, type V1Deployment } from '@kubernetes/client-node';
import { createKubernetesTarget } from '../../src/activities/kubernetes/index.ts';
import { concurrentOutages } from '../support/concurrent-incidents.ts';
import { startHarness, type Harness } from '../support/incident-harness.ts';
import { IDEOGRAM, seedIdeogramThroughApi } from '../support/kube-api-server/seed.ts';
import { startRealKube, type RealKube } from '../support/real-kube.ts';
import { binaries, bindWorker, startStatusWriter, type StatusWriter } from './support.ts';

const NS = IDEOGRAM.namespace;

/** The pod template without the one annotation a restart leaves behind. */
function templateWithoutRestart(d: V1Deployment) {
  const template = structuredClone(d.spec!.template);
  delete template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'];
  if (template.metadata?.annotations && Object.keys(template.metadata.annotations).length === 0)
    delete template.metadata.annotations;
  return template;
}

/**
 * One whole incident drill (mutations applied, not record-only) on the Temporal dev server, the
 * worker acting on a real kube-apiserver through the ServiceAccount bound to deploy/rbac.yaml.
 * Rollouts complete because the test writes Deployment status as the deployment controller would.
 */
describe.runIf(binaries !== undefined)('real kube-apiserver: whole incident under the worker Role', () => {
  let kube: RealKube;
  let statusWriter: StatusWriter;
  let h: Harness;
  let apps: AppsV1Api;
  let core: CoreV1Api;
  let batch: BatchV1Api;

  beforeAll(async () => {
    kube = await startRealKube({ binaries });
    const worker = await bindWorker(kube);
    await seedIdeogramThroughApi(kube.kubeconfigPath);
    statusWriter = startStatusWriter(kube);
    await statusWriter.caughtUp();
    const kc = new KubeConfig();
    kc.loadFromFile(kube.kubeconfigPath);
    apps = kc.makeApiClient(AppsV1Api);
    core = kc.makeApiClient(CoreV1Api);
    batch = kc.makeApiClient(BatchV1Api);
    h = await startHarness({
      target: createKubernetesTarget({ kubeconfigPath: worker.kubeconfig }),
      inflightLimit: 1_000,
    });
  }, 180_000);

  afterAll(async () => {
    await h?.close();
    await statusWriter?.stop();
    await kube?.stop();
  });

  it('a provider outage (503) resolves; the deployment ends as it began but for the restart annotation', async () => {
    const initial = await apps.readNamespacedDeployment({ namespace: NS, name: IDEOGRAM.deployment });
    const secretBefore = (await core.readNamespacedSecret({ namespace: NS, name: IDEOGRAM.secret })).data;
    const flagsBefore = (await batch.listNamespacedCronJob({ namespace: NS })).items.map((j) => [
      j.metadata!.name,
      j.spec!.suspend,
    ]);

    h.sim.setScenario('outage-503');
    const result = await h.approveWhenAsked(await h.start({}, `${h.taskQueue}-outage-503`));

    expect(result).toMatchObject({ state: 'resolved', cause: 'provider_outage' });
    expect(result.mutations.length).toBeGreaterThan(0);
    expect(result.mutations.every((m) => m.mode === 'applied')).toBe(true);
    // A restart cannot be undone (nor needs to be); every other change was reverted by the workflow.
    const reversible = result.mutations.filter((m) => m.changed && m.op.kind !== 'rollout-restart');
    expect(reversible.map((m) => m.op.kind)).toContain('set-env');
    expect(reversible.filter((m) => m.revertedAt === undefined).map((m) => m.id)).toEqual([]);

    const after = await apps.readNamespacedDeployment({ namespace: NS, name: IDEOGRAM.deployment });
    // The real apiserver saw the changes (generation moved) and the restart ...
    expect(after.metadata!.generation).toBeGreaterThan(initial.metadata!.generation!);
    expect(after.spec!.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeDefined();
    // ... and everything else is back: env of both containers (the valueFrom too), replicas, no prior-state annotations.
    expect(templateWithoutRestart(after)).toEqual(templateWithoutRestart(initial));
    expect(after.spec!.template.spec!.containers.map((c) => [c.name, c.env])).toEqual(
      initial.spec!.template.spec!.containers.map((c) => [c.name, c.env]),
    );
    expect(after.spec!.replicas).toBe(initial.spec!.replicas);
    expect(after.metadata!.annotations ?? {}).toEqual(initial.metadata!.annotations ?? {});
    expect((await core.readNamespacedSecret({ namespace: NS, name: IDEOGRAM.secret })).data).toEqual(secretBefore);
    expect(
      (await batch.listNamespacedCronJob({ namespace: NS })).items.map((j) => [j.metadata!.name, j.spec!.suspend]),
    ).toEqual(flagsBefore);
  });

  it.each([2, 10])(
    '%i concurrent incidents on one deployment: each records the true original, and the env ends exactly as it began',
    async (n) => {
      const envOf = async () =>
        (
          await apps.readNamespacedDeployment({ namespace: NS, name: IDEOGRAM.deployment })
        ).spec!.template.spec!.containers.map((c) => ({ name: c.name, env: c.env ?? [] }));
      const before = await envOf();
      const results = await concurrentOutages(h, n);
      for (const result of results) {
        expect(result).toMatchObject({ state: 'resolved', cause: 'provider_outage' });
        const fallback = result.mutations.find((m) => m.step === 'enable-fallback')!;
        expect((fallback.previous as Array<{ previous: unknown }>).every((c) => c.previous === null)).toBe(true);
        expect(fallback.revertedAt).toBeDefined();
      }
      expect(await envOf()).toEqual(before);
      const annotations =
        (await apps.readNamespacedDeployment({ namespace: NS, name: IDEOGRAM.deployment })).metadata!.annotations ?? {};
      expect(Object.keys(annotations).filter((k) => k.startsWith('runbook.dev/owners.'))).toEqual([]);
    },
    240_000,
  );
});
