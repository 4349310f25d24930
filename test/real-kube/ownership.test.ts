import { afterAll, beforeAll, describe } from 'vitest';
import { defineOwnershipSuite, type OwnershipHarness } from '../kubernetes/ownership.suite.ts';
import { seedIdeogramThroughApi } from '../support/kube-api-server/seed.ts';
import { startRealKube, type RealKube } from '../support/real-kube.ts';
import { binaries, bindWorker } from './support.ts';

/**
 * Concurrent incidents on one knob against a real kube-apiserver + etcd, under the worker's
 * ServiceAccount: the owner records must survive real 409 Conflicts from resourceVersion
 * preconditions (the suite asserts that conflicts happened).
 */
describe.runIf(binaries !== undefined)('real kube-apiserver: owner records under concurrency', () => {
  let kube: RealKube;
  let harness: OwnershipHarness;

  beforeAll(async () => {
    kube = await startRealKube({ binaries });
    const worker = await bindWorker(kube);
    harness = {
      workerKubeconfig: worker.kubeconfig,
      adminKubeconfig: kube.kubeconfigPath,
      seed: () => seedIdeogramThroughApi(kube.kubeconfigPath),
      stop: async () => undefined,
    };
  }, 180_000);
  afterAll(async () => kube?.stop());

  defineOwnershipSuite('real kube-apiserver', async () => harness);
});
