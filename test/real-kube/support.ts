/**
 * What the real-apiserver tests share: the worker identity bound to deploy/rbac.yaml, and a
 * stand-in for the deployment controller (kube-apiserver alone never writes Deployment status).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { parseAllDocuments } from 'yaml';
import type { PolicyRule } from '../support/kube-api-server/index.ts';
import { IDEOGRAM } from '../support/kube-api-server/seed.ts';
import { RBAC_PATH } from '../kubernetes/helpers.ts';
import { REAL_KUBE_BUILD_HINT, realKubeBinaries, type RealKube } from '../support/real-kube.ts';

export const binaries = realKubeBinaries();
if (!binaries) console.warn(`\n*** ${REAL_KUBE_BUILD_HINT} ***\n`);

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: PolicyRule[];
  subjects?: { kind: string; name: string; namespace?: string }[];
  roleRef?: { apiGroup: string; kind: string; name: string };
}

export async function rbacManifest(): Promise<Manifest[]> {
  return parseAllDocuments(await readFile(RBAC_PATH, 'utf8')).map((d) => d.toJS() as Manifest);
}

const collection: Record<string, (ns: string) => string> = {
  ServiceAccount: (ns) => `/api/v1/namespaces/${ns}/serviceaccounts`,
  Role: (ns) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`,
  RoleBinding: (ns) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`,
};

/** `kubectl create -f` with the admin identity; 409 (already there) is fine. */
export async function createAll(kube: RealKube, manifests: Manifest[]): Promise<void> {
  for (const m of manifests) {
    const path = collection[m.kind];
    if (!path) throw new Error(`unexpected kind ${m.kind} in ${RBAC_PATH}`);
    const r = await kube.request('POST', path(m.metadata.namespace ?? IDEOGRAM.namespace), m);
    if (r.status !== 201 && r.status !== 409)
      throw new Error(`create ${m.kind}/${m.metadata.name}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  }
}

/** Asks the real RBAC authorizer (SubjectAccessReview) whether `user` may do `verb` on the object. */
export async function allowed(
  kube: RealKube,
  user: string,
  attrs: { verb: string; group: string; resource: string; name?: string; namespace?: string },
): Promise<boolean> {
  const r = await kube.request('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: { user, resourceAttributes: { namespace: IDEOGRAM.namespace, ...attrs } },
  });
  if (r.status !== 201) throw new Error(`SubjectAccessReview: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return (r.body as { status?: { allowed?: boolean } }).status?.allowed === true;
}

/** RBAC is informer-driven: a new binding applies a moment after it is stored. */
export async function waitUntilAllowed(
  kube: RealKube,
  user: string,
  attrs: Parameters<typeof allowed>[2],
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await allowed(kube, user, attrs))) {
    if (Date.now() > deadline) throw new Error(`RBAC never allowed ${user} to ${attrs.verb} ${attrs.resource}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const serviceAccountUser = (name: string, namespace: string = IDEOGRAM.namespace) =>
  `system:serviceaccount:${namespace}:${name}`;

/**
 * Applies deploy/rbac.yaml as written (optionally with the Role's rules changed and everything
 * renamed), mints a token for its ServiceAccount and returns a kubeconfig for it, once RBAC
 * applies the binding.
 */
export async function bindWorker(
  kube: RealKube,
  options: { suffix?: string; rules?: (rules: PolicyRule[]) => PolicyRule[] } = {},
): Promise<{ kubeconfig: string; user: string }> {
  const rename = (name: string) => (options.suffix ? `${name}-${options.suffix}` : name);
  const manifests = (await rbacManifest()).map((m) => {
    const copy = structuredClone(m);
    copy.metadata.name = rename(copy.metadata.name);
    if (copy.rules && options.rules) copy.rules = options.rules(copy.rules);
    if (copy.roleRef) copy.roleRef.name = rename(copy.roleRef.name);
    for (const s of copy.subjects ?? []) s.name = rename(s.name);
    return copy;
  });
  const account = manifests.find((m) => m.kind === 'ServiceAccount');
  if (!account) throw new Error(`${RBAC_PATH} has no ServiceAccount`);
  const namespace = account.metadata.namespace ?? IDEOGRAM.namespace;
  // Creates the namespace and the ServiceAccount, then the Role and the RoleBinding.
  const token = await kube.createServiceAccountToken(namespace, account.metadata.name);
  await createAll(kube, manifests);
  const user = serviceAccountUser(account.metadata.name, namespace);
  // Any one grant of the Role shows the binding is in effect.
  const granted = manifests.find((m) => m.kind === 'Role')?.rules?.[0];
  if (!granted) throw new Error(`${RBAC_PATH} has no Role with rules`);
  await waitUntilAllowed(kube, user, {
    verb: granted.verbs[0]!,
    group: granted.apiGroups[0]!,
    resource: granted.resources[0]!,
    name: granted.resourceNames?.[0],
  });
  return { kubeconfig: await kube.writeKubeconfig(token, account.metadata.name), user };
}

/** A kubeconfig whose server is a loopback port where nothing listens. */
export async function unreachableKubeconfig(kube: RealKube, kubeconfigPath: string): Promise<string> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((done) => probe.close(() => done()));
  const path = `${kubeconfigPath}.unreachable`;
  await writeFile(path, (await readFile(kubeconfigPath, 'utf8')).replace(kube.server, `https://127.0.0.1:${port}`), {
    mode: 0o600,
  });
  return path;
}

interface DeploymentObject {
  metadata: { generation?: number };
  spec: { replicas?: number };
  status?: { observedGeneration?: number };
}

export interface StatusWriter {
  /** Rollouts from now on report ProgressDeadlineExceeded instead of completing. */
  setStuck(stuck: boolean): void;
  /** Resolves once the status reflects the current spec (observedGeneration == generation). */
  caughtUp(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * THE TEST STANDS IN FOR THE DEPLOYMENT CONTROLLER: there is no kube-controller-manager (and no
 * nodes, so no pods), so this loop writes the Deployment's `/status` subresource the way the
 * controller would once a rollout finishes — all replicas updated and available, Progressing
 * True/NewReplicaSetAvailable — or, when stuck, Progressing False/ProgressDeadlineExceeded. It
 * only ever writes `/status`; everything the code under test reads back besides status is the real
 * apiserver's own doing.
 */
export function startStatusWriter(
  kube: RealKube,
  namespace: string = IDEOGRAM.namespace,
  name: string = IDEOGRAM.deployment,
  everyMs = 40,
): StatusWriter {
  const path = `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`;
  let stuck = false;
  let stopped = false;

  async function reconcile(): Promise<boolean> {
    const got = await kube.request('GET', path);
    if (got.status !== 200) return false;
    const d = got.body as DeploymentObject;
    const generation = d.metadata.generation ?? 0;
    if ((d.status?.observedGeneration ?? 0) >= generation) return true;
    const want = d.spec.replicas ?? 1;
    const now = new Date().toISOString();
    d.status = stuck
      ? ({
          observedGeneration: generation,
          replicas: want,
          updatedReplicas: 0,
          readyReplicas: want,
          availableReplicas: want,
          conditions: [
            {
              type: 'Progressing',
              status: 'False',
              reason: 'ProgressDeadlineExceeded',
              message: `ReplicaSet has timed out progressing.`,
              lastUpdateTime: now,
              lastTransitionTime: now,
            },
          ],
        } as DeploymentObject['status'])
      : ({
          observedGeneration: generation,
          replicas: want,
          updatedReplicas: want,
          readyReplicas: want,
          availableReplicas: want,
          conditions: [
            {
              type: 'Available',
              status: 'True',
              reason: 'MinimumReplicasAvailable',
              message: 'Deployment has minimum availability.',
              lastUpdateTime: now,
              lastTransitionTime: now,
            },
            {
              type: 'Progressing',
              status: 'True',
              reason: 'NewReplicaSetAvailable',
              message: 'ReplicaSet has successfully progressed.',
              lastUpdateTime: now,
              lastTransitionTime: now,
            },
          ],
        } as DeploymentObject['status']);
    const put = await kube.request('PUT', `${path}/status`, d);
    // A 409 (the spec changed meanwhile) is retried on the next pass, as a controller would.
    if (put.status !== 200 && put.status !== 409)
      throw new Error(`PUT ${path}/status: HTTP ${put.status} ${JSON.stringify(put.body)}`);
    return false;
  }

  let lastError: unknown;
  const loop = (async () => {
    while (!stopped) {
      await reconcile().then(
        () => (lastError = undefined),
        (err: unknown) => (lastError = err),
      );
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();

  return {
    setStuck: (value) => {
      stuck = value;
    },
    async caughtUp(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!(await reconcile())) {
        if (Date.now() > deadline)
          throw new Error(
            `status of deployment/${name} never caught up with its spec: ${String(lastError ?? 'no error')}`,
          );
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
