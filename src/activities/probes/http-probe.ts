import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { request, type Dispatcher } from 'undici';
import { describeSecretRef, type ProbeResult, type ProbeSpec, type ProbeTarget } from '../../contract/index.ts';
import { sanitise, selfResult, skippedResult } from './result.ts';

type HttpSpec = Extract<ProbeSpec, { kind: 'http' }>;
type HttpAuth = NonNullable<HttpSpec['auth']>;

/** Calls the provider's API (or status page) and judges the answer's status and, if asked, its JSON. */
export async function executeHttpProbe(
  spec: HttpSpec,
  target: ProbeTarget,
  dispatcher: Dispatcher | undefined,
  started: number,
  apiKey: string | undefined,
): Promise<ProbeResult> {
  const root = spec.urlFrom === 'statusPageUrl' ? target.statusPageUrl : target.baseUrl;
  if (!root) return skippedResult(spec.id, `no ${spec.urlFrom} configured`);
  const url = probeUrl(spec, root);
  const auth = spec.auth ?? (spec.authHeader ? { header: spec.authHeader } : undefined);
  const key = auth && apiKey !== undefined ? { auth, apiKey } : undefined;
  const refusal = key && keyRefusal(spec, target, url);
  if (refusal) return refusal;
  const secrets = key ? [key.apiKey] : [];
  const response = await request(url, {
    method: spec.method,
    ...requestContent(spec, key),
    signal: AbortSignal.timeout(spec.timeoutMs),
    dispatcher,
  });
  const text = await response.body.text();
  const status = response.statusCode;
  const result: ProbeResult = {
    probe: spec.id,
    billed: spec.billed,
    ok: status >= 200 && status < 300,
    httpStatus: status,
    errorKind: null,
    latencyMs: Math.round(performance.now() - started),
    detail: sanitise(text, secrets),
    source: 'provider',
  };
  if (result.ok && (spec.extractUrl || spec.extractField || spec.expectJson)) {
    return judgeJsonBody(spec, result, text, secrets);
  }
  const isJson = (response.headers['content-type'] ?? '').toString().includes('application/json');
  if (!result.ok && !isJson && /<html/i.test(text)) {
    return { ...result, errorKind: 'bad_body', detail: `HTML error page: ${stripTags(text, secrets)}` };
  }
  return result;
}

function probeUrl(spec: HttpSpec, root: string): string {
  if (spec.urlFrom === 'statusPageUrl') return root;
  return new URL(spec.path, root.endsWith('/') ? root : `${root}/`).toString();
}

/**
 * The key goes to the service's own API and nowhere else: not its status page, not an absolute
 * path a probe spec (or a tampered history) names on another host.
 */
function keyRefusal(spec: HttpSpec, target: ProbeTarget, url: string): ProbeResult | undefined {
  const apiHost = new URL(target.baseUrl);
  const destination = new URL(url);
  if (destination.origin === apiHost.origin) return undefined;
  const key = describeSecretRef(target.apiKeyRef);
  return selfResult(spec.id, `refused to send ${key} to ${destination.host}: the key goes only to ${apiHost.host}`);
}

function requestContent(
  spec: HttpSpec,
  key: { auth: HttpAuth; apiKey: string } | undefined,
): { headers: Record<string, string>; body: string | undefined } {
  const headers: Record<string, string> = { ...spec.headers };
  if (key) headers[key.auth.header] = `${key.auth.prefix ?? ''}${key.apiKey}`;
  if (spec.json !== undefined) {
    headers['content-type'] = 'application/json';
    return { headers, body: JSON.stringify(spec.json) };
  }
  if (spec.multipart) {
    // Encoded by hand: undici's FormData body stalls when node:http was loaded first (seen with undici 8 on Node 24).
    const boundary = `----runbook${randomBytes(12).toString('hex')}`;
    headers['content-type'] = `multipart/form-data; boundary=${boundary}`;
    return { headers, body: encodeMultipart(spec.multipart, boundary) };
  }
  return { headers, body: undefined };
}

export function encodeMultipart(fields: Record<string, string>, boundary: string): string {
  const parts = Object.entries(fields).map(
    ([name, value]) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name.replace(/"/g, '%22')}"\r\n\r\n${value}\r\n`,
  );
  return `${parts.join('')}--${boundary}--\r\n`;
}

/** A 2xx answer whose JSON must parse, hold the expected fields, and yield what later probes use. */
function judgeJsonBody(spec: HttpSpec, result: ProbeResult, text: string, secrets: string[]): ProbeResult {
  const status = result.httpStatus;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const detail = `HTTP ${status} with ${unparseableBody(text)}: ${stripTags(text, secrets)}`;
    return { ...result, ok: false, errorKind: 'bad_body', detail };
  }
  const missing = (spec.expectJson ?? []).filter((path) => isAbsent(pluck(json, path)));
  if (missing.length > 0) {
    const detail = `HTTP ${status} but the JSON lacks ${missing.join(', ')}: ${sanitise(text, secrets)}`;
    return { ...result, ok: false, errorKind: 'bad_body', detail };
  }
  if (spec.extractUrl) {
    const value = pluck(json, spec.extractUrl);
    if (typeof value === 'string' && value) result.extractedUrl = value;
  }
  if (spec.extractField) {
    const value = pluck(json, spec.extractField);
    if (value !== undefined) result.extractedField = String(value);
    result.detail = `${spec.extractField}=${result.extractedField ?? 'missing'}`;
  }
  return result;
}

function unparseableBody(text: string): string {
  if (text.trim() === '') return 'empty body';
  if (/<html/i.test(text)) return 'HTML page instead of JSON';
  return 'unparseable (truncated?) JSON';
}

const stripTags = (text: string, secrets: string[]) => sanitise(text.replace(/<[^>]+>/g, ' '), secrets);

const isAbsent = (value: unknown) => value === undefined || value === null || value === '';

function pluck(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}
