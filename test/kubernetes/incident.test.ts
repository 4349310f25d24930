import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppsV1Api, BatchV1Api, KubeConfig, type V1Deployment } from '@kubernetes/client-node';
import { createKubernetesTarget } from '../../src/activities/kubernetes/index.ts';
import type { IncidentResult } from '../../src/contract/index.ts';
import { startHarness, type Harness } from '../support/incident-harness.ts';
import { startTestKubeApiServer, type TestKubeApiServer } from '../support/kube-api-server/index.ts';
import { IDEOGRAM, seedIdeogram } from '../support/kube-api-server/seed.ts';
import { workerRoleRules } from './helpers.ts';

let server: TestKubeApiServer;
let h: Harness;
let apps: AppsV1Api;
let batch: BatchV1Api;
let initial: V1Deployment;

beforeAll(async () => {
  server = await startTestKubeApiServer({
    identities: { 'worker-token': { user: 'system:serviceaccount:payments:runbook-worker', rules: workerRoleRules() } },
    controllerIntervalMs: 5,
  });
  seedIdeogram(server);
  const kc = new KubeConfig();
  kc.loadFromFile(server.kubeconfigPath);
  apps = kc.makeApiClient(AppsV1Api);
  batch = kc.makeApiClient(BatchV1Api);
  initial = await apps.readNamespacedDeployment({ namespace: IDEOGRAM.namespace, name: IDEOGRAM.deployment });
  h = await startHarness({
    target: createKubernetesTarget({ kubeconfigPath: await server.kubeconfigFor('worker-token', IDEOGRAM.namespace) }),
  });
});
afterAll(async () => {
  await h?.close();
  await server?.stop();
});

let n = 0;
async function runScenario(scenario: string): Promise<IncidentResult> {
  h.sim.setScenario(scenario);
  n += 1;
  return h.approveWhenAsked(await h.start({}, `${h.taskQueue}-${scenario}-${n}`));
}

/** The pod template without the one annotation a restart leaves behind. */
function templateWithoutRestart(d: V1Deployment) {
  const template = structuredClone(d.spec!.template!);
  delete template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'];
  if (template.metadata?.annotations && Object.keys(template.metadata.annotations).length === 0)
    delete template.metadata.annotations;
  return template;
}

describe('whole incidents against the test Kubernetes API server, under the worker Role', () => {
  it.each([
    ['outage-503', 'provider_outage'],
    ['rate-limit-429', 'rate_limited'],
    ['credits-402', 'credits_exhausted'],
  ])(
    '%s resolves and leaves the deployment and CronJobs as they were, but for the restart annotation',
    async (scenario, cause) => {
      const flagsBefore = (await batch.listNamespacedCronJob({ namespace: IDEOGRAM.namespace })).items.map((j) => [
        j.metadata!.name,
        j.spec!.suspend,
      ]);
      const result = await runScenario(scenario);
      expect(result).toMatchObject({ state: 'resolved', cause });
      expect(result.mutations.length).toBeGreaterThan(0);
      expect(result.mutations.every((m) => m.mode === 'applied')).toBe(true);
      const after = await apps.readNamespacedDeployment({ namespace: IDEOGRAM.namespace, name: IDEOGRAM.deployment });
      expect(templateWithoutRestart(after)).toEqual(templateWithoutRestart(initial));
      expect(after.spec!.replicas).toBe(initial.spec!.replicas);
      expect(Object.keys(after.metadata!.annotations ?? {})).toEqual([]);
      expect(
        (await batch.listNamespacedCronJob({ namespace: IDEOGRAM.namespace })).items.map((j) => [
          j.metadata!.name,
          j.spec!.suspend,
        ]),
      ).toEqual(flagsBefore);
    },
  );

  it('auth-401 rotates the key by reference; the old key stays only in the labelled backup secret', async () => {
    const result = await runScenario('auth-401');
    expect(result).toMatchObject({ state: 'resolved', cause: 'auth_failure' });
    expect(server.secretData(IDEOGRAM.namespace, IDEOGRAM.secret)![IDEOGRAM.secretKey]).toBe('sk-new-6a1b2c3d4e5f');
    expect(Object.values(server.secretData(IDEOGRAM.namespace, `${IDEOGRAM.secret}-runbook-backup`)!)).toEqual([
      IDEOGRAM.oldApiKey,
    ]);
    expect(JSON.stringify(result)).not.toContain('sk-new-6a1b2c3d4e5f');
    expect(JSON.stringify(result)).not.toContain(IDEOGRAM.oldApiKey);
    const after = await apps.readNamespacedDeployment({ namespace: IDEOGRAM.namespace, name: IDEOGRAM.deployment });
    expect(after.spec!.template!.metadata!.annotations!['kubectl.kubernetes.io/restartedAt']).toBeDefined();
  });
});
