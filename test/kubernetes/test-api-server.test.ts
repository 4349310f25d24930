import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestKubeApiServer, type TestKubeApiServer } from '../support/kube-api-server/index.ts';
import { IDEOGRAM, seedIdeogram } from '../support/kube-api-server/seed.ts';
import { strategicMergePatch } from '../support/kube-api-server/merge.ts';

/** The test server's own semantics, checked directly over HTTP, so the operation tests rest on them. */
let server: TestKubeApiServer;
const DEPLOYMENT = `/apis/apps/v1/namespaces/${IDEOGRAM.namespace}/deployments/${IDEOGRAM.deployment}`;
const SECRET = `/api/v1/namespaces/${IDEOGRAM.namespace}/secrets/${IDEOGRAM.secret}`;

async function call(
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
  token = 'admin-token',
) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

beforeAll(async () => {
  server = await startTestKubeApiServer({
    identities: {
      'reader-token': {
        user: 'system:serviceaccount:payments:reader',
        rules: [
          { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'], resourceNames: [IDEOGRAM.deployment] },
        ],
      },
    },
    controllerIntervalMs: null,
  });
});
afterAll(() => server.stop());
beforeEach(() => {
  server.reset();
  seedIdeogram(server);
});

describe('test Kubernetes API server', () => {
  it('strategic merge: containers and env merge by name, null deletes a field, $patch: delete removes an item', () => {
    const before = {
      spec: {
        containers: [
          {
            name: 'a',
            env: [
              { name: 'X', value: '1' },
              { name: 'K', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
            ],
          },
          { name: 'b', env: [] },
        ],
      },
    };
    const patched = strategicMergePatch(before, {
      spec: {
        containers: [
          {
            name: 'a',
            env: [
              { name: 'X', $patch: 'delete' },
              { name: 'K', value: 'lit', valueFrom: null },
              { name: 'N', value: 'new' },
            ],
          },
        ],
      },
    });
    expect(patched).toEqual({
      spec: {
        containers: [
          {
            name: 'a',
            env: [
              { name: 'K', value: 'lit' },
              { name: 'N', value: 'new' },
            ],
          },
          { name: 'b', env: [] },
        ],
      },
    });
  });

  it('rejects an env var with both value and valueFrom, like the apiserver (422 Invalid)', async () => {
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

  it('dryRun=All answers with the result and persists nothing; generation moves on spec and annotation changes (as in kube-apiserver)', async () => {
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

  it('the controller observes the new generation, then rolls replicas forward tick by tick', async () => {
    await call(
      'PATCH',
      DEPLOYMENT,
      { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': 'now' } } } } },
      'application/strategic-merge-patch+json',
    );
    const states: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const { metadata, status } = server.deployment(IDEOGRAM.namespace, IDEOGRAM.deployment)!;
      states.push(
        `${metadata.generation - status.observedGeneration}:${status.updatedReplicas}/${status.replicas}/${status.availableReplicas}`,
      );
      server.tick();
    }
    expect(states).toEqual(['1:2/2/2', '0:0/2/2', '0:1/3/2', '0:2/3/2', '0:2/2/2']);
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
    expect(server.secretOwners(IDEOGRAM.namespace, IDEOGRAM.secret)).toEqual({
      'kubectl-client-side-apply': ['webhook-token'],
      'runbook-engine': [IDEOGRAM.secretKey],
    });
    expect(server.secretData(IDEOGRAM.namespace, IDEOGRAM.secret)).toEqual({
      [IDEOGRAM.secretKey]: 'new',
      'webhook-token': 'whk-untouched',
    });
  });

  it('RBAC: 401 without a known token, 403 with the apiserver Status body for a verb or name not granted', async () => {
    expect(await call('GET', DEPLOYMENT, undefined, 'application/json', 'wrong')).toMatchObject({
      status: 401,
      body: { reason: 'Unauthorized', code: 401 },
    });
    expect((await call('GET', DEPLOYMENT, undefined, 'application/json', 'reader-token')).status).toBe(200);
    const denied = await call('PATCH', DEPLOYMENT, { spec: {} }, 'application/merge-patch+json', 'reader-token');
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
      'reader-token',
    );
    expect(other.status).toBe(403);
  });

  it('injected faults answer once with the given status, then the server behaves again', async () => {
    server.injectFault({ verb: 'get', resource: 'deployments', status: 503 });
    expect((await call('GET', DEPLOYMENT)).status).toBe(503);
    expect((await call('GET', DEPLOYMENT)).status).toBe(200);
  });
});
