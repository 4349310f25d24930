/** A simulator profile written as data (a document's `tooling.simulator`), as the simulator takes it. */
import type { RunbookDocument } from '../documents/schema.ts';
import { checkRequest, latencyOf, pathOf, perUnitOverrides } from './document-requests.ts';
import type { SimulatedEndpoint, SimulatedRequest, SimulatorProfile } from './types.ts';

type SimulatorData = RunbookDocument['tooling']['simulator'];

/** Replaces placeholders in every string of a JSON value. */
function fillDeep(value: unknown, fill: (s: string) => unknown): unknown {
  if (typeof value === 'string') return fill(value);
  if (Array.isArray(value)) return value.map((v) => fillDeep(v, fill));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillDeep(v, fill)]));
  return value;
}

/** The body with the array at `path` holding its first element once per unit (each filled in on its own), with `set` over each. */
function perUnit(body: unknown, path: string | undefined, units: number, set: Record<string, unknown>): unknown {
  if (path === undefined) return body;
  const [key, ...rest] = path.split('.');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const record = body as Record<string, unknown>;
  const inner = record[key!];
  if (rest.length > 0) return { ...record, [key!]: perUnit(inner, rest.join('.'), units, set) };
  if (!Array.isArray(inner) || inner.length === 0) return body;
  const first: unknown = inner[0];
  const element = typeof first === 'object' && first !== null ? { ...first, ...set } : first;
  return { ...record, [key!]: Array.from({ length: units }, () => element) };
}

function endpointOf(e: SimulatorData['endpoints'][number]): SimulatedEndpoint {
  if (e.kind !== 'api' || e.method !== 'POST') return { id: e.id, kind: e.kind, method: e.method, path: e.path };
  return {
    id: e.id,
    kind: e.kind,
    method: e.method,
    path: e.path,
    parse: (body): SimulatedRequest | string => {
      const missing = (e.requires ?? []).filter((p) => pathOf(body, p) === undefined);
      if (missing.length > 0) return `Invalid request: ${missing.map((p) => `${p}: Field required`).join('; ')}`;
      const fields = checkRequest(body, e.request ?? {});
      if (typeof fields === 'string') return fields;
      const units = e.units === undefined ? undefined : Number(fields[e.units] ?? pathOf(body, e.units));
      return {
        units: units !== undefined && Number.isInteger(units) && units > 0 ? units : 1,
        latencyMs: latencyOf(e, fields, body),
        fields,
      };
    },
  };
}

/** A number the same text always gives (a provider's seed when the request names none). */
const textHash = (text: string) => [...text].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 2147483647, 7);

export function simulatorProfileOf(data: SimulatorData): SimulatorProfile {
  return {
    name: data.name,
    auth: data.auth,
    unresolvableHost: data.unresolvableHost,
    endpoints: data.endpoints.map(endpointOf),
    unauthorized: data.unauthorized,
    inflightLimited: data.inflightLimited,
    errorBody: (status) => {
      const body = data.errors[String(status)] ?? data.errors[`${String(status)[0]}xx`] ?? { error: `HTTP ${status}` };
      return fillDeep(body, (s) => s.replaceAll('{status}', String(status)));
    },
    success: (endpoint, request, { fileUrl, now }) => {
      const e = data.endpoints.find((candidate) => candidate.id === endpoint);
      const fill = (s: string): unknown => {
        if (s === '{{fileUrl}}') return fileUrl();
        if (s === '{{now}}') return Math.floor(now.getTime() / 1000);
        if (s === '{{nowIso}}') return now.toISOString();
        const [, field, hashOf] = /^\{\{request\.([^|}]+)(?:\|hash:([^}]+))?\}\}$/.exec(s) ?? [];
        if (field === undefined) return s;
        return (
          request.fields[field] ?? (hashOf !== undefined ? textHash(String(request.fields[hashOf] ?? '')) : undefined)
        );
      };
      const body = perUnit(e?.success ?? {}, e?.perUnit, request.units, perUnitOverrides(e, request.fields));
      return fillDeep(body, fill);
    },
  };
}
