import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { remediationTargetFromConfig } from '../../src/worker/deps.ts';
import { startTestKubeApiServer, type TestKubeApiServer } from '../support/kube-api-server/index.ts';
import { IDEOGRAM, seedIdeogram } from '../support/kube-api-server/seed.ts';

let server: TestKubeApiServer;
const savedKubeconfig = process.env.KUBECONFIG;
beforeAll(async () => {
  server = await startTestKubeApiServer({ controllerIntervalMs: null });
  seedIdeogram(server);
  // The default loader reads KUBECONFIG, exactly as in production.
  process.env.KUBECONFIG = server.kubeconfigPath;
});
afterAll(async () => {
  if (savedKubeconfig === undefined) delete process.env.KUBECONFIG;
  else process.env.KUBECONFIG = savedKubeconfig;
  await server.stop();
});

describe('remediation target from configuration', () => {
  it('RUNBOOK_REMEDIATION_TARGET=kubernetes uses the default kubeconfig and RUNBOOK_KUBE_CONTEXT', async () => {
    const target = remediationTargetFromConfig(
      loadConfig({ RUNBOOK_REMEDIATION_TARGET: 'kubernetes', RUNBOOK_KUBE_CONTEXT: 'test' }),
    );
    expect(target.mode).toBe('kubernetes');
    expect(
      (await target.readDeployment(IDEOGRAM.namespace, IDEOGRAM.deployment)).containers.map((c) => c.name),
    ).toEqual(['api', 'worker']);
  });

  it('an unknown context is a clear error naming the contexts that exist', () => {
    expect(() =>
      remediationTargetFromConfig(
        loadConfig({ RUNBOOK_REMEDIATION_TARGET: 'kubernetes', RUNBOOK_KUBE_CONTEXT: 'prod-eu' }),
      ),
    ).toThrow('kube context "prod-eu" not found in the kubeconfig (RUNBOOK_KUBE_CONTEXT) — available: test');
  });

  it('record-only is the default and keeps its model under RUNBOOK_DATA_DIR', () => {
    const target = remediationTargetFromConfig(loadConfig({ RUNBOOK_DATA_DIR: '/tmp/runbook-config-test' }));
    expect(target.mode).toBe('record-only');
  });
});
