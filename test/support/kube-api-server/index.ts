import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { jsonMergePatch, strategicMergePatch } from './merge.ts';

/**
 * A Kubernetes API server for tests: plain HTTP on 127.0.0.1, only the endpoints the remediation
 * target uses, with the semantics it depends on (strategic merge by name, server-side apply with
 * field managers, dryRun=All, a rollout controller, RBAC with the real Status bodies, faults).
 */

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

export interface Identity {
  user: string;
  /** Omitted: cluster-admin. */
  rules?: PolicyRule[];
}

export interface Fault {
  verb?: string;
  resource?: string;
  name?: string;
  /** HTTP status to answer with; omitted with `delayMs`: answer normally, late. */
  status?: number;
  delayMs?: number;
  /** How many matching requests it affects (default 1). */
  times?: number;
}

export interface RecordedRequest {
  verb: string;
  resource: string;
  namespace: string;
  name?: string;
  contentType?: string;
  query: Record<string, string>;
  status: number;
}

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Route {
  group: string;
  resource: 'deployments' | 'cronjobs' | 'secrets';
  kind: string;
  apiVersion: string;
  namespace: string;
  name?: string;
}

export interface TestKubeApiServerOptions {
  /** Bearer tokens → identities. A cluster-admin token `admin-token` always exists. */
  identities?: Record<string, Identity>;
  /** The controller advances every this many ms; `null`: only when the test calls `tick()`. */
  controllerIntervalMs?: number | null;
  /** Ticks without progress before a stuck rollout reports ProgressDeadlineExceeded. */
  progressDeadlineTicks?: number;
}

export const ADMIN_TOKEN = 'admin-token';

const GROUP_OF: Record<string, string> = { deployments: 'apps', cronjobs: 'batch', secrets: '' };

function parseRoute(pathname: string): Route | undefined {
  const m =
    /^\/(?:api\/v1|apis\/(apps|batch)\/v1)\/namespaces\/([^/]+)\/(deployments|cronjobs|secrets)(?:\/([^/]+))?$/.exec(
      pathname,
    );
  if (!m) return undefined;
  const resource = m[3] as Route['resource'];
  const group = m[1] ?? '';
  if (GROUP_OF[resource] !== group) return undefined;
  const kind = resource === 'deployments' ? 'Deployment' : resource === 'cronjobs' ? 'CronJob' : 'Secret';
  return {
    group,
    resource,
    kind,
    apiVersion: group ? `${group}/v1` : 'v1',
    namespace: decodeURIComponent(m[2]!),
    name: m[4] ? decodeURIComponent(m[4]) : undefined,
  };
}

const status = (code: number, reason: string, message: string, details?: Obj) => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason,
  ...(details ? { details } : {}),
  code,
});

class HttpError extends Error {
  readonly code: number;
  readonly body: Obj;
  constructor(code: number, body: Obj) {
    super(String(body.message));
    this.code = code;
    this.body = body;
  }
}

const qualified = (r: Route) => (r.group ? `${r.resource}.${r.group}` : r.resource);
const notFound = (r: Route, name: string) =>
  new HttpError(
    404,
    status(404, 'NotFound', `${qualified(r)} "${name}" not found`, { name, group: r.group, kind: r.resource }),
  );

function allowed(rules: PolicyRule[] | undefined, verb: string, r: Route): boolean {
  if (!rules) return true;
  return rules.some(
    (rule) =>
      (rule.apiGroups.includes('*') || rule.apiGroups.includes(r.group)) &&
      (rule.resources.includes('*') || rule.resources.includes(r.resource)) &&
      (rule.verbs.includes('*') || rule.verbs.includes(verb)) &&
      (!rule.resourceNames?.length || (r.name !== undefined && rule.resourceNames.includes(r.name))),
  );
}

export async function startTestKubeApiServer(options: TestKubeApiServerOptions = {}) {
  const identities: Record<string, Identity> = { [ADMIN_TOKEN]: { user: 'kubernetes-admin' }, ...options.identities };
  const store: Record<Route['resource'], Map<string, Obj>> = {
    deployments: new Map(),
    cronjobs: new Map(),
    secrets: new Map(),
  };
  /** Per secret: field manager → data keys it owns. */
  type Owners = Map<string, { operation: 'Apply' | 'Update'; keys: Set<string> }>;
  const owners = new Map<string, Owners>();
  const copyOwners = (key: string): Owners =>
    new Map(
      [...(owners.get(key) ?? new Map<string, never>())].map(([m, o]) => [
        m,
        { operation: o.operation, keys: new Set<string>(o.keys) },
      ]),
    );
  const rollouts = new Map<string, { template: string; stuck: boolean; stalledTicks: number }>();
  const faults: Fault[] = [];
  const namespaces = new Set<string>(['default']);
  const requests: RecordedRequest[] = [];
  let resourceVersion = 100;
  const deadlineTicks = options.progressDeadlineTicks ?? 3;
  const id = (namespace: string, name: string) => `${namespace}/${name}`;

  function validateDeployment(d: Obj): void {
    const containers: Obj[] = d.spec?.template?.spec?.containers ?? [];
    containers.forEach((c, i) =>
      (c.env ?? []).forEach((e: Obj, j: number) => {
        if (e.value !== undefined && e.value !== '' && e.valueFrom !== undefined) {
          const field = `spec.template.spec.containers[${i}].env[${j}].valueFrom`;
          throw new HttpError(
            422,
            status(
              422,
              'Invalid',
              `Deployment.apps "${d.metadata.name}" is invalid: ${field}: Invalid value: "": may not be specified when \`value\` is not empty`,
              {
                name: d.metadata.name,
                group: 'apps',
                kind: 'Deployment',
                causes: [
                  {
                    reason: 'FieldValueInvalid',
                    message: 'Invalid value: "": may not be specified when `value` is not empty',
                    field,
                  },
                ],
              },
            ),
          );
        }
      }),
    );
  }

  /** Server-side apply of a Secret's data, tracking which manager owns which key. */
  function applySecret(
    key: string,
    current: Obj | undefined,
    applied: Obj,
    manager: string,
    force: boolean,
  ): { next: Obj; owners: Owners } {
    const managers = copyOwners(key);
    const data: Obj = { ...(current?.data ?? {}) };
    const appliedData: Obj = { ...(applied.data ?? {}) };
    for (const [k, v] of Object.entries(applied.stringData ?? {}))
      appliedData[k] = Buffer.from(String(v)).toString('base64');
    const conflicts = [...managers].filter(
      ([m, o]) => m !== manager && [...o.keys].some((k) => k in appliedData && data[k] !== appliedData[k]),
    );
    if (conflicts.length > 0 && !force) {
      const fields = conflicts.flatMap(([m, o]) =>
        [...o.keys].filter((k) => k in appliedData).map((k) => `conflict with "${m}" using v1: .data.${k}`),
      );
      throw new HttpError(
        409,
        status(
          409,
          'Conflict',
          `Apply failed with ${fields.length} conflict${fields.length > 1 ? 's' : ''}: ${fields.join('\n')}`,
          { causes: [] },
        ),
      );
    }
    for (const [m, o] of managers) if (m !== manager) for (const k of Object.keys(appliedData)) o.keys.delete(k);
    const mine = managers.get(manager)?.keys ?? new Set<string>();
    for (const k of mine) {
      const sharedWithOthers = [...managers].some(([m, o]) => m !== manager && o.keys.has(k));
      if (!(k in appliedData) && !sharedWithOthers) delete data[k];
    }
    Object.assign(data, appliedData);
    managers.set(manager, { operation: 'Apply', keys: new Set(Object.keys(appliedData)) });
    const base = current ?? {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: applied.metadata?.name },
      type: applied.type ?? 'Opaque',
    };
    const labels = applied.metadata?.labels
      ? { ...base.metadata.labels, ...applied.metadata.labels }
      : base.metadata.labels;
    return { next: { ...base, metadata: { ...base.metadata, ...(labels ? { labels } : {}) }, data }, owners: managers };
  }

  function stamp(r: Route, name: string, before: Obj | undefined, after: Obj): Obj {
    const meta: Obj = { ...after.metadata, name, namespace: r.namespace };
    meta.uid = before?.metadata?.uid ?? randomUUID();
    meta.creationTimestamp = before?.metadata?.creationTimestamp ?? new Date().toISOString();
    meta.resourceVersion = String(++resourceVersion);
    if (r.resource === 'deployments') {
      // As the real deployment strategy (PrepareForUpdate): annotation changes bump generation too.
      const specChanged = JSON.stringify(before?.spec) !== JSON.stringify(after.spec);
      const sortedAnnotations = (o: Obj | undefined) =>
        JSON.stringify(Object.entries(o?.metadata?.annotations ?? {}).sort());
      const annotationsChanged = sortedAnnotations(before) !== sortedAnnotations(after);
      meta.generation = (before?.metadata?.generation ?? 0) + (specChanged || annotationsChanged || !before ? 1 : 0);
    } else if (r.resource === 'cronjobs') {
      meta.generation =
        (before?.metadata?.generation ?? 0) +
        (JSON.stringify(before?.spec) !== JSON.stringify(after.spec) || !before ? 1 : 0);
    }
    const status = r.resource === 'secrets' ? undefined : (before?.status ?? after.status ?? {});
    return { apiVersion: r.apiVersion, kind: r.kind, ...after, metadata: meta, ...(status ? { status } : {}) };
  }

  async function handle(
    req: IncomingMessage,
    url: URL,
    r: Route,
    verb: string,
    identity: Identity,
  ): Promise<{ code: number; body: Obj }> {
    const query = Object.fromEntries(url.searchParams);
    const dryRun = query.dryRun;
    if (dryRun !== undefined && dryRun !== 'All')
      throw new HttpError(400, status(400, 'BadRequest', `dryRun must be "All", got "${dryRun}"`));
    if (!allowed(identity.rules, verb, r)) {
      const group = r.group;
      const subject = r.name ? `${qualified(r)} "${r.name}" is forbidden` : `${qualified(r)} is forbidden`;
      throw new HttpError(
        403,
        status(
          403,
          'Forbidden',
          `${subject}: User "${identity.user}" cannot ${verb} resource "${r.resource}" in API group "${group}" in the namespace "${r.namespace}"`,
          {
            ...(r.name ? { name: r.name } : {}),
            group,
            kind: r.resource,
          },
        ),
      );
    }
    const items = store[r.resource];
    const raw = ['PATCH', 'POST', 'PUT', 'DELETE'].includes(req.method ?? '') ? await readBody(req) : '';
    if (verb === 'list') {
      const wanted = (query.labelSelector ?? '')
        .split(',')
        .filter(Boolean)
        .map((p) => p.split('=') as [string, string]);
      // Field selectors: only `metadata.name=<name>`, the one every resource supports.
      const fields = (query.fieldSelector ?? '')
        .split(',')
        .filter(Boolean)
        .map((p) => p.split('=') as [string, string]);
      const unsupported = fields.find(([f]) => f !== 'metadata.name');
      if (unsupported)
        throw new HttpError(
          400,
          status(
            400,
            'BadRequest',
            `"${unsupported[0]}" is not a known field selector: only "metadata.name", "metadata.namespace"`,
          ),
        );
      const list = [...items.values()].filter(
        (o) =>
          o.metadata.namespace === r.namespace &&
          wanted.every(([k, v]) => o.metadata.labels?.[k] === v) &&
          fields.every(([, v]) => o.metadata.name === v),
      );
      return {
        code: 200,
        body: {
          apiVersion: r.apiVersion,
          kind: `${r.kind}List`,
          metadata: { resourceVersion: String(resourceVersion) },
          items: list,
        },
      };
    }
    if (verb === 'create') {
      const body = JSON.parse(raw) as Obj;
      const name = body.metadata?.name as string;
      if (items.has(id(r.namespace, name)))
        throw new HttpError(
          409,
          status(409, 'AlreadyExists', `${qualified(r)} "${name}" already exists`, {
            name,
            group: r.group,
            kind: r.resource,
          }),
        );
      const created = stamp(r, name, undefined, body);
      if (dryRun !== 'All') {
        items.set(id(r.namespace, name), created);
        if (r.resource === 'secrets' && query.fieldManager)
          owners.set(
            id(r.namespace, name),
            new Map([
              [query.fieldManager, { operation: 'Update' as const, keys: new Set(Object.keys(created.data ?? {})) }],
            ]),
          );
      }
      return { code: 201, body: created };
    }
    const name = r.name!;
    const key = id(r.namespace, name);
    const current = items.get(key);
    if (verb === 'get') {
      if (!current) throw notFound(r, name);
      return { code: 200, body: current };
    }
    if (verb === 'delete') {
      if (!current) throw notFound(r, name);
      // As in kube-apiserver: DeleteOptions.preconditions.resourceVersion must match (optimistic concurrency).
      const expected = raw.trim()
        ? ((JSON.parse(raw) as Obj).preconditions?.resourceVersion as string | undefined)
        : undefined;
      if (expected !== undefined && expected !== current.metadata.resourceVersion) {
        throw new HttpError(
          409,
          status(
            409,
            'Conflict',
            `Operation cannot be fulfilled on ${qualified(r)} "${name}": the ResourceVersion in the precondition (${expected}) does not match the ResourceVersion in record (${current.metadata.resourceVersion}). The object might have been modified`,
            {
              name,
              group: r.group,
              // Unlike a patch's conflict, a delete's names the kind.
              kind: r.kind,
            },
          ),
        );
      }
      if (dryRun !== 'All') {
        items.delete(key);
        owners.delete(key);
      }
      return {
        code: 200,
        body: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Success',
          details: { name, group: r.group, kind: r.resource, uid: current.metadata.uid },
        },
      };
    }
    if (verb !== 'patch')
      throw new HttpError(405, status(405, 'MethodNotAllowed', `${req.method} is not supported here`));
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    let next: Obj;
    let nextOwners = owners.get(key);
    if (contentType === 'application/apply-patch+yaml') {
      const applied = parseYaml(raw) as Obj;
      if (!query.fieldManager)
        throw new HttpError(
          400,
          status(400, 'BadRequest', 'PATCH requests with apply content type require fieldManager'),
        );
      if (r.resource !== 'secrets')
        throw new HttpError(415, status(415, 'UnsupportedMediaType', 'this test server applies only Secrets'));
      ({ next, owners: nextOwners } = applySecret(key, current, applied, query.fieldManager, query.force === 'true'));
    } else {
      if (!current) throw notFound(r, name);
      const patch = JSON.parse(raw) as Obj;
      // As in kube-apiserver: a resourceVersion in the patch is a precondition (optimistic concurrency).
      const expected = patch.metadata?.resourceVersion as string | undefined;
      if (expected !== undefined && expected !== current.metadata.resourceVersion) {
        throw new HttpError(
          409,
          status(
            409,
            'Conflict',
            `Operation cannot be fulfilled on ${qualified(r)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
            {
              name,
              group: r.group,
              kind: r.resource,
            },
          ),
        );
      }
      if (contentType === 'application/strategic-merge-patch+json') {
        if (r.resource === 'secrets')
          throw new HttpError(415, status(415, 'UnsupportedMediaType', 'strategic merge patch of Secrets is not used'));
        next = strategicMergePatch(current, patch) as Obj;
      } else if (contentType === 'application/merge-patch+json') {
        next = jsonMergePatch(current, patch) as Obj;
      } else {
        throw new HttpError(
          415,
          status(
            415,
            'UnsupportedMediaType',
            `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got "${contentType}")`,
          ),
        );
      }
      if (r.resource === 'secrets' && query.fieldManager) {
        nextOwners = copyOwners(key);
        const touched = Object.keys((patch.data ?? {}) as Obj);
        for (const o of nextOwners.values()) for (const k of touched) o.keys.delete(k);
        const mine = nextOwners.get(query.fieldManager) ?? { operation: 'Update' as const, keys: new Set<string>() };
        for (const k of touched) if (patch.data[k] !== null) mine.keys.add(k);
        nextOwners.set(query.fieldManager, mine);
      }
    }
    if (r.resource === 'deployments') validateDeployment(next);
    if (r.resource === 'secrets' && next.metadata?.annotations === undefined) delete next.metadata?.annotations;
    const stamped = stamp(r, name, current, next);
    if (dryRun !== 'All') {
      items.set(key, stamped);
      if (nextOwners) owners.set(key, nextOwners);
    }
    return { code: current ? 200 : 201, body: stamped };
  }

  function matchFault(verb: string, r: Route): Fault | undefined {
    const index = faults.findIndex(
      (f) =>
        (!f.verb || f.verb === verb) && (!f.resource || f.resource === r.resource) && (!f.name || f.name === r.name),
    );
    if (index < 0) return undefined;
    const fault = faults[index]!;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) faults.splice(index, 1);
    return fault;
  }

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const r = parseRoute(url.pathname);
      const send = (code: number, body: Obj, record?: Omit<RecordedRequest, 'status'>) => {
        if (record) requests.push({ ...record, status: code });
        res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      if (url.pathname === '/api/v1/namespaces' && req.method === 'POST') {
        // Namespaces are not modelled: every namespace exists; creating one only answers like the apiserver.
        const body = JSON.parse(await readBody(req)) as Obj;
        const exists = namespaces.has(body.metadata?.name);
        namespaces.add(body.metadata?.name);
        return exists
          ? send(
              409,
              status(409, 'AlreadyExists', `namespaces "${body.metadata?.name}" already exists`, {
                name: body.metadata?.name,
                kind: 'namespaces',
              }),
            )
          : send(201, {
              apiVersion: 'v1',
              kind: 'Namespace',
              metadata: { name: body.metadata?.name },
              status: { phase: 'Active' },
            });
      }
      if (!r) return send(404, status(404, 'NotFound', 'the server could not find the requested resource'));
      const verb =
        { GET: r.name ? 'get' : 'list', PATCH: 'patch', POST: 'create', DELETE: 'delete', PUT: 'update' }[
          req.method ?? ''
        ] ?? 'unknown';
      const record = {
        verb,
        resource: r.resource,
        namespace: r.namespace,
        name: r.name,
        contentType: req.headers['content-type'],
        query: Object.fromEntries(url.searchParams),
      };
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const identity = token ? identities[token] : undefined;
      if (!identity) return send(401, status(401, 'Unauthorized', 'Unauthorized'), record);
      const fault = matchFault(verb, r);
      if (fault?.delayMs) await new Promise((done) => setTimeout(done, fault.delayMs));
      if (fault?.status) {
        const reasons: Record<number, string> = {
          403: 'Forbidden',
          404: 'NotFound',
          409: 'Conflict',
          429: 'TooManyRequests',
          500: 'InternalError',
          503: 'ServiceUnavailable',
        };
        return send(
          fault.status,
          status(
            fault.status,
            reasons[fault.status] ?? 'Unknown',
            `injected fault: ${reasons[fault.status] ?? fault.status}`,
          ),
          record,
        );
      }
      try {
        const { code, body } = await handle(req, url, r, verb, identity);
        send(code, body, record);
      } catch (err) {
        if (err instanceof HttpError) send(err.code, err.body, record);
        else send(500, status(500, 'InternalError', (err as Error).message), record);
      }
    })();
  });

  /** One step of the deployment controller: observe the spec, then roll one replica forward. */
  function tick(): void {
    for (const [key, d] of store.deployments) {
      const generation = d.metadata.generation as number;
      const want = (d.spec.replicas as number | undefined) ?? 1;
      const s: Obj = (d.status ??= {});
      const template = JSON.stringify(d.spec.template);
      const rollout = rollouts.get(key) ?? { template, stuck: false, stalledTicks: 0 };
      rollouts.set(key, rollout);
      const progressing = (reason: string, state = 'True') => {
        s.conditions = [
          ...(s.conditions ?? []).filter((c: Obj) => c.type !== 'Progressing'),
          { type: 'Progressing', status: state, reason, message: reason, lastUpdateTime: new Date().toISOString() },
        ];
      };
      if ((s.observedGeneration ?? 0) < generation) {
        s.observedGeneration = generation;
        if (d.spec.paused) {
          progressing('DeploymentPaused', 'Unknown');
          continue;
        }
        if (rollout.template !== template) {
          rollout.template = template;
          rollout.stalledTicks = 0;
          s.updatedReplicas = 0;
          s.replicas = want;
          s.availableReplicas = want;
          progressing('ReplicaSetUpdated');
          continue;
        }
      }
      if (d.spec.paused) continue;
      const done = s.updatedReplicas === want && s.replicas === want && s.availableReplicas === want;
      if (done) continue;
      if (rollout.stuck) {
        rollout.stalledTicks += 1;
        if (rollout.stalledTicks >= deadlineTicks) progressing('ProgressDeadlineExceeded', 'False');
        continue;
      }
      if ((s.updatedReplicas ?? 0) < want) {
        s.updatedReplicas = (s.updatedReplicas ?? 0) + 1;
        s.replicas = want + 1;
        s.availableReplicas = want;
      } else {
        s.replicas = want;
        s.availableReplicas = want;
        s.readyReplicas = want;
        progressing('NewReplicaSetAvailable');
      }
    }
  }

  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const interval =
    options.controllerIntervalMs === null ? undefined : setInterval(tick, options.controllerIntervalMs ?? 10);
  const dir = await mkdtemp(join(tmpdir(), 'kube-api-'));

  async function kubeconfigFor(token: string, namespace = 'default'): Promise<string> {
    const path = join(dir, `kubeconfig-${token.replace(/[^A-Za-z0-9-]/g, '_')}-${namespace}.yaml`);
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      // client-node refuses plain http unless TLS verification is off (there is no TLS to verify).
      clusters: [{ name: 'test', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'runbook', user: { token } }],
      contexts: [{ name: 'test', context: { cluster: 'test', user: 'runbook', namespace } }],
      'current-context': 'test',
    };
    await writeFile(path, stringifyYaml(config), { mode: 0o600 });
    return path;
  }

  function put(resource: Route['resource'], obj: Obj): void {
    const r: Route = {
      group: GROUP_OF[resource]!,
      resource,
      kind: '',
      apiVersion: '',
      namespace: obj.metadata.namespace,
    };
    r.kind = resource === 'deployments' ? 'Deployment' : resource === 'cronjobs' ? 'CronJob' : 'Secret';
    r.apiVersion = r.group ? `${r.group}/v1` : 'v1';
    const key = id(obj.metadata.namespace, obj.metadata.name);
    const stamped = stamp(r, obj.metadata.name, store[resource].get(key), structuredClone(obj));
    store[resource].set(key, stamped);
    if (resource === 'deployments') {
      const want = stamped.spec.replicas ?? 1;
      stamped.status = {
        observedGeneration: stamped.metadata.generation,
        replicas: want,
        updatedReplicas: want,
        availableReplicas: want,
        readyReplicas: want,
        conditions: [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }],
      };
      rollouts.set(key, { template: JSON.stringify(stamped.spec.template), stuck: false, stalledTicks: 0 });
    }
  }

  return {
    url,
    adminToken: ADMIN_TOKEN,
    kubeconfigPath: await kubeconfigFor(ADMIN_TOKEN),
    kubeconfigFor,
    requests,
    tick,
    put,
    deployment: (namespace: string, name: string) => structuredClone(store.deployments.get(id(namespace, name))),
    cronJob: (namespace: string, name: string) => structuredClone(store.cronjobs.get(id(namespace, name))),
    /** Decoded data of a secret (test assertions only). */
    secretData: (namespace: string, name: string): Record<string, string> | undefined => {
      const s = store.secrets.get(id(namespace, name));
      return s
        ? Object.fromEntries(
            Object.entries((s.data ?? {}) as Record<string, string>).map(([k, v]) => [
              k,
              Buffer.from(v, 'base64').toString('utf8'),
            ]),
          )
        : undefined;
    },
    secret: (namespace: string, name: string) => structuredClone(store.secrets.get(id(namespace, name))),
    secretOwners: (namespace: string, name: string) =>
      Object.fromEntries([...(owners.get(id(namespace, name)) ?? [])].map(([m, o]) => [m, [...o.keys].sort()])),
    setSecretOwner: (namespace: string, name: string, manager: string, keys: string[]) => {
      const map = owners.get(id(namespace, name)) ?? new Map();
      map.set(manager, { operation: 'Update', keys: new Set(keys) });
      owners.set(id(namespace, name), map);
    },
    /** Rollouts of this deployment stop making progress (and hit the progress deadline). */
    setStuck: (namespace: string, name: string, stuck: boolean) => {
      const rollout = rollouts.get(id(namespace, name));
      if (rollout) rollout.stuck = stuck;
    },
    /** Forgets every object (faults stay: see clearFaults). */
    reset: () => {
      for (const items of Object.values(store)) items.clear();
      owners.clear();
      rollouts.clear();
    },
    injectFault: (fault: Fault) => void faults.push({ times: 1, ...fault }),
    clearFaults: () => void faults.splice(0),
    async stop(): Promise<void> {
      if (interval) clearInterval(interval);
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type TestKubeApiServer = Awaited<ReturnType<typeof startTestKubeApiServer>>;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
