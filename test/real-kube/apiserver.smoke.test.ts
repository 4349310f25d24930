import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AppsV1Api,
  AuthenticationV1Api,
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  type ApiConstructor,
  type ApiType,
  type V1Deployment,
} from '@kubernetes/client-node';
import { REAL_KUBE_BUILD_HINT, realKubeBinaries, startRealKube, type RealKube } from '../support/real-kube.ts';

const binaries = realKubeBinaries();
if (!binaries) console.warn(`\n*** ${REAL_KUBE_BUILD_HINT} ***\n`);

function apiFor<T extends ApiType>(kubeconfigPath: string, api: ApiConstructor<T>): T {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return kc.makeApiClient(api);
}

const deployment = (name: string): V1Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, labels: { app: name } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'web', image: 'registry.example/web:1.0.0' }] },
    },
  },
});

describe.runIf(binaries !== undefined)('real kube-apiserver (smoke)', () => {
  let kube: RealKube;

  beforeAll(async () => {
    kube = await startRealKube({ binaries });
  }, 180_000);

  afterAll(async () => {
    await kube?.stop();
  });

  it('stores and returns a Deployment through @kubernetes/client-node', async () => {
    const version = await kube.request('GET', '/version');
    expect(version.status).toBe(200);
    expect((version.body as { gitVersion?: string }).gitVersion).toMatch(/^v1\.\d+\.\d+/);

    const core = apiFor(kube.kubeconfigPath, CoreV1Api);
    const apps = apiFor(kube.kubeconfigPath, AppsV1Api);
    const namespace = 'smoke';
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await apps.createNamespacedDeployment({ namespace, body: deployment('web') });

    const got = await apps.readNamespacedDeployment({ namespace, name: 'web' });
    expect(got.metadata?.uid).toBeTruthy();
    expect(got.spec?.replicas).toBe(2);
    expect(got.spec?.template.spec?.containers[0]?.image).toBe('registry.example/web:1.0.0');
    // Defaulting ran in the real apiserver (the fake one would not do this).
    expect(got.spec?.strategy?.type).toBe('RollingUpdate');
    expect(got.metadata?.generation).toBe(1);
  });

  it('issues ServiceAccount tokens (TokenRequest) that RBAC restricts', async () => {
    const namespace = 'smoke-rbac';
    const token = await kube.createServiceAccountToken(namespace, 'remediator');
    const saKubeconfig = await kube.writeKubeconfig(token, 'remediator');
    const saApps = apiFor(saKubeconfig, AppsV1Api);

    const review = await apiFor(saKubeconfig, AuthenticationV1Api).createSelfSubjectReview({ body: {} });
    expect(review.status?.userInfo?.username).toBe(`system:serviceaccount:${namespace}:remediator`);

    await expect(saApps.listNamespacedDeployment({ namespace })).rejects.toMatchObject({ code: 403 });

    const rbac = apiFor(kube.kubeconfigPath, RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace,
      body: {
        metadata: { name: 'deployments-reader' },
        rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'remediator-reads-deployments' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'deployments-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'remediator', namespace }],
      },
    });
    // RBAC is informer-driven: the new binding takes a moment to apply.
    await expect
      .poll(async () => (await saApps.listNamespacedDeployment({ namespace })).items.length, { timeout: 10_000 })
      .toBe(0);
  });
});
