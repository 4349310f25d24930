import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { startTestKubeApiServer } from '../support/kube-api-server/index.ts';
import { IDEOGRAM, seedIdeogramThroughApi } from '../support/kube-api-server/seed.ts';
import { workerRoleRules } from './helpers.ts';
import { defineKubeOperationSuite, type KubeSuiteHarness } from './operations.suite.ts';

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((done) => probe.close(() => done()));
  return port;
}

async function testServerHarness(): Promise<KubeSuiteHarness> {
  const server = await startTestKubeApiServer({
    identities: {
      'worker-token': { user: 'system:serviceaccount:payments:runbook-worker', rules: workerRoleRules() },
      'nobody-token': { user: 'system:serviceaccount:payments:nobody', rules: [] },
    },
    controllerIntervalMs: 5,
  });
  const unreachable = await server.kubeconfigFor('worker-token', IDEOGRAM.namespace);
  const unreachablePath = `${unreachable}.unreachable.yaml`;
  await writeFile(
    unreachablePath,
    (await readFile(unreachable, 'utf8')).replace(server.url, `http://127.0.0.1:${await closedPort()}`),
  );
  return {
    workerKubeconfig: await server.kubeconfigFor('worker-token', IDEOGRAM.namespace),
    adminKubeconfig: server.kubeconfigPath,
    deniedKubeconfig: await server.kubeconfigFor('nobody-token', IDEOGRAM.namespace),
    unauthenticatedKubeconfig: await server.kubeconfigFor('revoked-token', IDEOGRAM.namespace),
    unreachableKubeconfig: unreachablePath,
    async seed() {
      server.clearFaults();
      server.reset();
      // Through the API, as a harness for a real kube-apiserver would seed.
      await seedIdeogramThroughApi(server.kubeconfigPath);
    },
    injectFault: (fault) => server.injectFault(fault),
    rollouts: { setStuck: (stuck) => server.setStuck(IDEOGRAM.namespace, IDEOGRAM.deployment, stuck) },
    stop: () => server.stop(),
  };
}

defineKubeOperationSuite('test API server', testServerHarness, { faults: true, rolloutController: true });
