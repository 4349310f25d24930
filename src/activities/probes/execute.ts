import { lookup } from 'node:dns/promises';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { request, type Dispatcher } from 'undici';
import {
  describeSecretRef,
  excerpt,
  timingResult,
  type ProbeErrorKind,
  type ProbeResult,
  type ProbeSpec,
  type ProbeTarget,
} from '../../contract/index.ts';
import { resolveSecret, type SecretResolverDeps } from '../secrets.ts';

export interface ProbeExecutorDeps {
  secrets: SecretResolverDeps;
  /** Tests inject a resolver; production uses the system's. */
  dnsLookup?: (host: string) => Promise<{ address: string }>;
  dispatcher?: Dispatcher;
}

const DETAIL_MAX = 160;

/** Runs one probe. Never throws for what it observes: a failure is a result, with its kind. */
export async function executeProbe(
  spec: ProbeSpec,
  target: ProbeTarget,
  extracted: Record<string, string | undefined>,
  deps: ProbeExecutorDeps,
): Promise<ProbeResult> {
  const base = { probe: spec.id, billed: false };
  let apiKey: string | undefined;
  if (spec.kind === 'http' && (spec.auth ?? spec.authHeader)) {
    try {
      apiKey = await resolveSecret(target.apiKeyRef, deps.secrets);
    } catch (err) {
      // Our own failure, not the provider's: evidence about us, never fed to the decision table.
      return selfResult(
        spec.id,
        `the worker cannot read ${describeSecretRef(target.apiKeyRef)}: ${(err as Error).message}`,
      );
    }
  }
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    switch (spec.kind) {
      case 'timing':
        // Alone, a timing probe has no call to time: `runProbeRound` answers it from its round.
        return timingResult(spec, undefined);
      case 'dns': {
        const host = target.apiHost ?? new URL(target.baseUrl).hostname;
        const { address } = await withTimeout((deps.dnsLookup ?? lookup)(host), spec.timeoutMs);
        return {
          ...base,
          ok: true,
          httpStatus: null,
          errorKind: null,
          latencyMs: elapsed(),
          detail: `${host} → ${address}`,
        };
      }
      case 'download': {
        const url = extracted[spec.after];
        if (!url) {
          return {
            ...base,
            ok: false,
            httpStatus: null,
            errorKind: null,
            latencyMs: 0,
            detail: `skipped: ${spec.after} returned no image URL`,
            source: 'self',
          };
        }
        const response = await request(url, {
          method: 'GET',
          signal: AbortSignal.timeout(spec.timeoutMs),
          dispatcher: deps.dispatcher,
        });
        const body = Buffer.from(await response.body.arrayBuffer());
        const ok = response.statusCode >= 200 && response.statusCode < 300;
        return {
          ...base,
          ok,
          httpStatus: response.statusCode,
          errorKind: null,
          latencyMs: elapsed(),
          detail: ok ? `downloaded ${body.length} bytes` : sanitise(body.toString('utf8'), []),
        };
      }
      case 'http':
        return await executeHttpProbe(spec, target, deps, started, apiKey);
    }
  } catch (err) {
    return {
      ...base,
      billed: spec.billed,
      ok: false,
      httpStatus: null,
      errorKind: classifyTransportError(err),
      latencyMs: elapsed(),
      detail: describeError(err),
      source: 'provider',
    };
  }
}

/** A probe that could not run on our side: no statement about the provider either way. */
export function selfResult(probe: string, blocker: string): ProbeResult {
  return {
    probe,
    ok: false,
    billed: false,
    httpStatus: null,
    errorKind: null,
    latencyMs: 0,
    detail: `not run: ${sanitise(blocker, [])}`,
    source: 'self',
    blocker: sanitise(blocker, []),
  };
}

async function executeHttpProbe(
  spec: Extract<ProbeSpec, { kind: 'http' }>,
  target: ProbeTarget,
  deps: ProbeExecutorDeps,
  started: number,
  apiKey: string | undefined,
): Promise<ProbeResult> {
  const root = spec.urlFrom === 'statusPageUrl' ? target.statusPageUrl : target.baseUrl;
  if (!root) {
    return {
      probe: spec.id,
      ok: false,
      billed: false,
      httpStatus: null,
      errorKind: null,
      latencyMs: 0,
      detail: `skipped: no ${spec.urlFrom} configured`,
      source: 'self',
    };
  }
  const url =
    spec.urlFrom === 'statusPageUrl' ? root : new URL(spec.path, root.endsWith('/') ? root : `${root}/`).toString();
  const headers: Record<string, string> = { ...spec.headers };
  const secrets: string[] = [];
  const auth = spec.auth ?? (spec.authHeader ? { header: spec.authHeader } : undefined);
  // The key goes to the service's own API and nowhere else: not its status page, not an absolute
  // path a probe spec (or a tampered history) names on another host.
  if (auth && apiKey !== undefined && new URL(url).origin !== new URL(target.baseUrl).origin) {
    return selfResult(
      spec.id,
      `refused to send ${describeSecretRef(target.apiKeyRef)} to ${new URL(url).host}: the key goes only to ${new URL(target.baseUrl).host}`,
    );
  }
  if (auth && apiKey !== undefined) {
    headers[auth.header] = `${auth.prefix ?? ''}${apiKey}`;
    secrets.push(apiKey);
  }
  let body: string | undefined;
  if (spec.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(spec.json);
  } else if (spec.multipart) {
    // Encoded by hand: undici's FormData body stalls when node:http was loaded first (seen with undici 8 on Node 24).
    const boundary = `----runbook${randomBytes(12).toString('hex')}`;
    headers['content-type'] = `multipart/form-data; boundary=${boundary}`;
    body = encodeMultipart(spec.multipart, boundary);
  }
  const response = await request(url, {
    method: spec.method,
    headers,
    body,
    signal: AbortSignal.timeout(spec.timeoutMs),
    dispatcher: deps.dispatcher,
  });
  const text = await response.body.text();
  const latencyMs = Math.round(performance.now() - started);
  const status = response.statusCode;
  const result: ProbeResult = {
    probe: spec.id,
    billed: spec.billed,
    ok: status >= 200 && status < 300,
    httpStatus: status,
    errorKind: null,
    latencyMs,
    detail: sanitise(text, secrets),
    source: 'provider',
  };
  const isJson = (response.headers['content-type'] ?? '').toString().includes('application/json');
  if (result.ok && (spec.extractUrl || spec.extractField || spec.expectJson)) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      const what =
        text.trim() === ''
          ? 'empty body'
          : /<html/i.test(text)
            ? 'HTML page instead of JSON'
            : 'unparseable (truncated?) JSON';
      return {
        ...result,
        ok: false,
        errorKind: 'bad_body',
        detail: `HTTP ${status} with ${what}: ${sanitise(text.replace(/<[^>]+>/g, ' '), secrets)}`,
      };
    }
    const missing = (spec.expectJson ?? []).filter((path) => isAbsent(pluck(json, path)));
    if (missing.length > 0) {
      return {
        ...result,
        ok: false,
        errorKind: 'bad_body',
        detail: `HTTP ${status} but the JSON lacks ${missing.join(', ')}: ${sanitise(text, secrets)}`,
      };
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
  } else if (!result.ok && !isJson && /<html/i.test(text)) {
    result.errorKind = 'bad_body';
    result.detail = `HTML error page: ${sanitise(text.replace(/<[^>]+>/g, ' '), secrets)}`;
  }
  return result;
}

export function encodeMultipart(fields: Record<string, string>, boundary: string): string {
  const parts = Object.entries(fields).map(
    ([name, value]) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name.replace(/"/g, '%22')}"\r\n\r\n${value}\r\n`,
  );
  return `${parts.join('')}--${boundary}--\r\n`;
}

const isAbsent = (value: unknown) => value === undefined || value === null || value === '';

function pluck(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** Short, single-line, and with any secret we sent cut out. */
export function sanitise(text: string, secrets: string[]): string {
  let clean = text.replace(/\s+/g, ' ').trim();
  for (const secret of secrets) if (secret) clean = clean.split(secret).join('[REDACTED]');
  return excerpt(clean, DETAIL_MAX);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(Object.assign(new Error(`timed out after ${ms} ms`), { code: 'ETIMEDOUT' })),
      ms,
    );
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current && depth < 5; depth += 1) {
    const e = current as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
    if (typeof e.code === 'string') codes.push(e.code);
    if (typeof e.name === 'string') codes.push(e.name);
    if (typeof e.message === 'string') codes.push(e.message);
    current = e.cause;
  }
  return codes;
}

export function classifyTransportError(err: unknown): ProbeErrorKind | null {
  const codes = errorCodes(err).join(' ');
  if (/ENOTFOUND|EAI_AGAIN|EAI_NONAME|EAI_FAIL/.test(codes)) return 'dns';
  if (
    /TimeoutError|AbortError|ETIMEDOUT|UND_ERR_HEADERS_TIMEOUT|UND_ERR_BODY_TIMEOUT|UND_ERR_CONNECT_TIMEOUT|timed out|aborted/.test(
      codes,
    )
  )
    return 'timeout';
  if (/ECONNREFUSED|EHOSTUNREACH|ENETUNREACH/.test(codes)) return 'connect';
  if (/ERR_TLS|CERT_|SSL|EPROTO|DEPTH_ZERO/.test(codes)) return 'tls';
  if (/ECONNRESET|UND_ERR_SOCKET|EPIPE|other side closed|socket hang up/.test(codes)) return 'reset';
  if (/SyntaxError|JSON/.test(codes)) return 'bad_body';
  return 'connect';
}

function describeError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return sanitise(`${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}`, []);
}
