import { afterAll, beforeAll, describe } from 'vitest';
import { defineKubeOperationSuite, type KubeSuiteHarness } from '../kubernetes/operations.suite.ts';
import { seedIdeogramThroughApi } from '../support/kube-api-server/seed.ts';
import { startRealKube, type RealKube } from '../support/real-kube.ts';
import { binaries, bindWorker, startStatusWriter, unreachableKubeconfig, type StatusWriter } from './support.ts';

/**
 * The whole operation suite against a real kube-apiserver + etcd, every operation under the
 * worker's ServiceAccount bound to the Role in deploy/rbac.yaml. Injected faults exist only in the
 * test API server (test/kubernetes/operations.test.ts runs those); rollouts complete because the
 * test writes Deployment status as the deployment controller would (see startStatusWriter).
 */
describe.runIf(binaries !== undefined)('real kube-apiserver: operation suite', () => {
  let kube: RealKube;
  let statusWriter: StatusWriter;
  let harness: KubeSuiteHarness;

  beforeAll(async () => {
    kube = await startRealKube({ binaries });
    const worker = await bindWorker(kube);
    // Authenticated, bound to nothing.
    const nobody = await kube.writeKubeconfig(await kube.createServiceAccountToken('payments', 'nobody'), 'nobody');
    statusWriter = startStatusWriter(kube);
    harness = {
      workerKubeconfig: worker.kubeconfig,
      adminKubeconfig: kube.kubeconfigPath,
      deniedKubeconfig: nobody,
      unauthenticatedKubeconfig: await kube.writeKubeconfig('revoked-token-0123456789', 'revoked'),
      unreachableKubeconfig: await unreachableKubeconfig(kube, worker.kubeconfig),
      async seed() {
        statusWriter.setStuck(false);
        await seedIdeogramThroughApi(kube.kubeconfigPath);
        // Status written before the test starts, so it cannot change resourceVersion mid-test.
        await statusWriter.caughtUp();
      },
      rollouts: { setStuck: (stuck) => statusWriter.setStuck(stuck) },
      // The apiserver outlives each describe of the suite; afterAll below stops it.
      stop: async () => undefined,
    };
  }, 180_000);

  afterAll(async () => {
    await statusWriter?.stop();
    await kube?.stop();
  });

  defineKubeOperationSuite('real kube-apiserver', async () => harness, { faults: false, rolloutController: true });
});
