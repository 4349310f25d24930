import { startTestKubeApiServer } from '../support/kube-api-server/index.ts';
import { IDEOGRAM, seedIdeogramThroughApi } from '../support/kube-api-server/seed.ts';
import { workerRoleRules } from './helpers.ts';
import { defineOwnershipSuite } from './ownership.suite.ts';

defineOwnershipSuite('test API server', async () => {
  const server = await startTestKubeApiServer({
    identities: { 'worker-token': { user: 'system:serviceaccount:payments:runbook-worker', rules: workerRoleRules() } },
    controllerIntervalMs: null,
  });
  return {
    workerKubeconfig: await server.kubeconfigFor('worker-token', IDEOGRAM.namespace),
    adminKubeconfig: server.kubeconfigPath,
    async seed() {
      server.reset();
      await seedIdeogramThroughApi(server.kubeconfigPath);
    },
    stop: () => server.stop(),
  };
});
