import { request } from 'node:https';
import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IDEOGRAM, seedIdeogramThroughApi } from '../support/kube-api-server/seed.ts';
import { startRealKube, type RealKube } from '../support/real-kube.ts';
import { binaries, createAll, serviceAccountUser, waitUntilAllowed } from './support.ts';

/**
 * The semantics test/kubernetes/test-api-server.test.ts pins on the test API server, checked with
 * the same requests and the same expectations against the real kube-apiserver: where the two
 * would differ, one of these fails.
 */
const DEPLOYMENT = `/apis/apps/v1/namespaces/${IDEOGRAM.namespace}/deployments/${IDEOGRAM.deployment}`;
const SECRET = `/api/v1/namespaces/${IDEOGRAM.namespace}/secrets/${IDEOGRAM.secret}`;
type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe.runIf(binaries !== undefined)('real kube-apiserver: the semantics the test API server imitates', () => {
  let kube: RealKube;
  let readerToken: string;

  function call(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
    token = kube.adminToken,
  ): Promise<{ status: number; body: Body }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        `${kube.server}${path}`,
        // Content-Length always: Node sends a DELETE body unframed otherwise, and the server never reads it.
        {
          method,
          ca: kube.caPem,
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': contentType,
            accept: 'application/json',
            'content-length': Buffer.byteLength(payload ?? ''),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Body }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  beforeAll(async () => {
    kube = await startRealKube({ binaries });
    readerToken = await kube.createServiceAccountToken(IDEOGRAM.namespace, 'reader');
    await createAll(kube, [
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'reader' },
        rules: [
          { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'], resourceNames: [IDEOGRAM.deployment] },
        ],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: IDEOGRAM.namespace }],
      },
    ]);
    await waitUntilAllowed(kube, serviceAccountUser('reader'), {
      verb: 'get',
      group: 'apps',
      resource: 'deployments',
      name: IDEOGRAM.deployment,
    });
  }, 180_000);
  afterAll(async () => kube?.stop());
  beforeEach(async () => seedIdeogramThroughApi(kube.kubeconfigPath));

  it('rejects an env var with both value and valueFrom (422 Invalid)', async () => {
    const res = await call(
      'PATCH',
      DEPLOYMENT,
      {
        spec: {
          template: { spec: { containers: [{ name: 'api', env: [{ name: 'IDEOGRAM_API_KEY', value: 'x' }] }] } },
        },
      },
      'application/strategic-merge-patch+json',
    );
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ kind: 'Status', reason: 'Invalid', code: 422 });
    expect(res.body.message).toContain('spec.template.spec.containers[0].env[2].valueFrom: Invalid value');
  });

  it('strategic merge: $patch: delete removes an env item, valueFrom: null turns it into a literal, other containers stay', async () => {
    const res = await call(
      'PATCH',
      DEPLOYMENT,
      {
        spec: {
          template: {
            spec: {
              containers: [
                {
                  name: 'api',
                  env: [
                    { name: 'LOG_LEVEL', $patch: 'delete' },
                    { name: 'IDEOGRAM_API_KEY', value: 'lit', valueFrom: null },
                    { name: 'N', value: 'new' },
                  ],
                },
              ],
            },
          },
        },
      },
      'application/strategic-merge-patch+json',
    );
    expect(res.status).toBe(200);
    const [api, worker] = res.body.spec.template.spec.containers as Body[];
    expect(api!.env).toEqual([
      { name: 'IDEOGRAM_CONCURRENCY', value: '8' },
      { name: 'IDEOGRAM_API_KEY', value: 'lit' },
      { name: 'N', value: 'new' },
    ]);
    expect(worker!.env).toEqual([
      { name: 'IDEOGRAM_CONCURRENCY', value: '4' },
      { name: 'IDEOGRAM_API_KEY', valueFrom: { secretKeyRef: { name: IDEOGRAM.secret, key: IDEOGRAM.secretKey } } },
    ]);
  });

  it('dryRun=All answers with the result and persists nothing; generation moves on spec and annotation changes, not on labels', async () => {
    const before = (await call('GET', DEPLOYMENT)).body;
    const dry = await call(
      'PATCH',
      `${DEPLOYMENT}?dryRun=All`,
      { spec: { replicas: 5 } },
      'application/merge-patch+json',
    );
    expect(dry.body.spec.replicas).toBe(5);
    expect((await call('GET', DEPLOYMENT)).body).toEqual(before);
    const annotated = await call(
      'PATCH',
      DEPLOYMENT,
      { metadata: { annotations: { note: 'x' } } },
      'application/merge-patch+json',
    );
    expect(annotated.body.metadata.generation).toBe(before.metadata.generation + 1);
    const labelled = await call(
      'PATCH',
      DEPLOYMENT,
      { metadata: { labels: { note: 'x' } } },
      'application/merge-patch+json',
    );
    expect(labelled.body.metadata.generation).toBe(before.metadata.generation + 1);
    const scaled = await call('PATCH', DEPLOYMENT, { spec: { replicas: 3 } }, 'application/merge-patch+json');
    expect(scaled.body.metadata.generation).toBe(before.metadata.generation + 2);
  });

  it('a resourceVersion in a patch is a precondition: a stale one fails with 409 Conflict and changes nothing', async () => {
    const before = (await call('GET', DEPLOYMENT)).body;
    const patch = (resourceVersion: string, value: string) => ({
      metadata: { resourceVersion, annotations: { 'runbook.dev/test': value } },
    });
    const fresh = await call(
      'PATCH',
      DEPLOYMENT,
      patch(before.metadata.resourceVersion, 'first'),
      'application/strategic-merge-patch+json',
    );
    expect(fresh.status).toBe(200);
    expect(fresh.body.metadata.resourceVersion).not.toBe(before.metadata.resourceVersion);
    const stale = await call(
      'PATCH',
      DEPLOYMENT,
      patch(before.metadata.resourceVersion, 'second'),
      'application/strategic-merge-patch+json',
    );
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Conflict',
      code: 409,
      message: `Operation cannot be fulfilled on deployments.apps "${IDEOGRAM.deployment}": the object has been modified; please apply your changes to the latest version and try again`,
      details: { name: IDEOGRAM.deployment, group: 'apps', kind: 'deployments' },
    });
    expect((await call('GET', DEPLOYMENT)).body.metadata.annotations).toEqual({ 'runbook.dev/test': 'first' });
  });

  it('a resourceVersion precondition on delete: a stale one fails with 409 Conflict and keeps the object; creating an existing name is 409 AlreadyExists', async () => {
    const before = (await call('GET', SECRET)).body;
    const patched = await call(
      'PATCH',
      SECRET,
      { metadata: { annotations: { 'runbook.dev/test': 'moved-on' } } },
      'application/merge-patch+json',
    );
    expect(patched.status).toBe(200);
    const stale = await call('DELETE', SECRET, { preconditions: { resourceVersion: before.metadata.resourceVersion } });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Conflict',
      code: 409,
      details: { name: IDEOGRAM.secret, kind: 'Secret' },
    });
    expect(stale.body.message).toContain(
      `the ResourceVersion in the precondition (${before.metadata.resourceVersion}) does not match the ResourceVersion in record (${patched.body.metadata.resourceVersion})`,
    );
    expect((await call('GET', SECRET)).status).toBe(200);
    const again = await call('POST', `/api/v1/namespaces/${IDEOGRAM.namespace}/secrets`, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: IDEOGRAM.secret },
      data: {},
    });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ kind: 'Status', reason: 'AlreadyExists', code: 409 });
    // The client the worker uses carries the precondition too.
    const kc = new KubeConfig();
    kc.loadFromFile(kube.kubeconfigPath);
    const core = kc.makeApiClient(CoreV1Api);
    const viaClient = await core
      .deleteNamespacedSecret({
        namespace: IDEOGRAM.namespace,
        name: IDEOGRAM.secret,
        body: { preconditions: { resourceVersion: before.metadata.resourceVersion } },
      })
      .catch((err: unknown) => err);
    expect(viaClient).toBeInstanceOf(ApiException);
    expect((viaClient as ApiException<unknown>).code).toBe(409);
    const fresh = await call('DELETE', SECRET, {
      preconditions: { resourceVersion: patched.body.metadata.resourceVersion },
    });
    expect(fresh.status).toBe(200);
    expect((await call('GET', SECRET)).status).toBe(404);
  });

  it('lists one object by the metadata.name field selector', async () => {
    const res = await call(
      'GET',
      `/apis/batch/v1/namespaces/${IDEOGRAM.namespace}/cronjobs?fieldSelector=${encodeURIComponent('metadata.name=weekly-report')}`,
    );
    expect(res.status).toBe(200);
    expect(res.body.items.map((j: { metadata: { name: string } }) => j.metadata.name)).toEqual(['weekly-report']);
  });

  it('server-side apply: conflicts with another manager unless forced, then owns the key', async () => {
    const applied = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: IDEOGRAM.secret },
      data: { [IDEOGRAM.secretKey]: Buffer.from('new').toString('base64') },
    };
    const conflict = await call(
      'PATCH',
      `${SECRET}?fieldManager=runbook-engine`,
      applied,
      'application/apply-patch+yaml',
    );
    expect(conflict.status).toBe(409);
    expect(conflict.body.message).toBe(
      `Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .data.${IDEOGRAM.secretKey}`,
    );
    const forced = await call(
      'PATCH',
      `${SECRET}?fieldManager=runbook-engine&force=true`,
      applied,
      'application/apply-patch+yaml',
    );
    expect(forced.status).toBe(200);
    const owners = Object.fromEntries(
      (forced.body.metadata.managedFields as Body[]).map((f) => [
        f.manager,
        Object.keys(f.fieldsV1?.['f:data'] ?? {})
          .filter((k) => k.startsWith('f:'))
          .map((k) => k.slice(2)),
      ]),
    );
    expect(owners).toEqual({ 'kubectl-client-side-apply': ['webhook-token'], 'runbook-engine': [IDEOGRAM.secretKey] });
    const data = Object.fromEntries(
      Object.entries(forced.body.data as Record<string, string>).map(([k, v]) => [
        k,
        Buffer.from(v, 'base64').toString('utf8'),
      ]),
    );
    expect(data).toEqual({ [IDEOGRAM.secretKey]: 'new', 'webhook-token': 'whk-untouched' });
  });

  it('RBAC: 401 without a known token, 403 with the apiserver Status body for a verb or name not granted', async () => {
    expect(await call('GET', DEPLOYMENT, undefined, 'application/json', 'wrong')).toMatchObject({
      status: 401,
      body: { reason: 'Unauthorized', code: 401 },
    });
    expect((await call('GET', DEPLOYMENT, undefined, 'application/json', readerToken)).status).toBe(200);
    const denied = await call('PATCH', DEPLOYMENT, { spec: {} }, 'application/merge-patch+json', readerToken);
    expect(denied).toEqual({
      status: 403,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `deployments.apps "${IDEOGRAM.deployment}" is forbidden: User "system:serviceaccount:payments:reader" cannot patch resource "deployments" in API group "apps" in the namespace "payments"`,
        reason: 'Forbidden',
        details: { name: IDEOGRAM.deployment, group: 'apps', kind: 'deployments' },
        code: 403,
      },
    });
    const other = await call(
      'GET',
      `/apis/apps/v1/namespaces/payments/deployments/billing`,
      undefined,
      'application/json',
      readerToken,
    );
    expect(other.status).toBe(403);
  });
});
