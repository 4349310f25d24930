import { lookup } from 'node:dns/promises';
import { performance } from 'node:perf_hooks';
import { request, type Dispatcher } from 'undici';
import {
  describeSecretRef,
  timingResult,
  type ProbeErrorKind,
  type ProbeResult,
  type ProbeSpec,
  type ProbeTarget,
} from '../../contract/index.ts';
import { resolveSecret, type SecretResolverDeps } from '../secrets.ts';
import { executeHttpProbe } from './http-probe.ts';
import { sanitise, selfResult, skippedResult } from './result.ts';

export interface ProbeExecutorDeps {
  secrets: SecretResolverDeps;
  /** Tests inject a resolver; production uses the system's. */
  dnsLookup?: (host: string) => Promise<{ address: string }>;
  dispatcher?: Dispatcher;
}

type DnsSpec = Extract<ProbeSpec, { kind: 'dns' }>;
type DownloadSpec = Extract<ProbeSpec, { kind: 'download' }>;

/** Runs one probe. Never throws for what it observes: a failure is a result, with its kind. */
export async function executeProbe(
  spec: ProbeSpec,
  target: ProbeTarget,
  extracted: Record<string, string | undefined>,
  deps: ProbeExecutorDeps,
): Promise<ProbeResult> {
  const key = await resolveProbeKey(spec, target, deps);
  if ('blocked' in key) return key.blocked;
  const started = performance.now();
  try {
    switch (spec.kind) {
      case 'timing':
        // Alone, a timing probe has no call to time: `runProbeRound` answers it from its round.
        return timingResult(spec, undefined);
      case 'dns':
        return await executeDnsProbe(spec, target, deps, started);
      case 'download':
        return await executeDownloadProbe(spec, extracted, deps, started);
      case 'http':
        return await executeHttpProbe(spec, target, deps.dispatcher, started, key.apiKey);
    }
  } catch (err) {
    return transportFailure(spec, err, started);
  }
}

/** The API key an authenticated HTTP probe sends, or the result that says the worker could not read it. */
async function resolveProbeKey(
  spec: ProbeSpec,
  target: ProbeTarget,
  deps: ProbeExecutorDeps,
): Promise<{ apiKey: string | undefined } | { blocked: ProbeResult }> {
  if (spec.kind !== 'http' || !(spec.auth ?? spec.authHeader)) return { apiKey: undefined };
  try {
    return { apiKey: await resolveSecret(target.apiKeyRef, deps.secrets) };
  } catch (err) {
    // Our own failure, not the provider's: evidence about us, never fed to the decision table.
    const reason = `the worker cannot read ${describeSecretRef(target.apiKeyRef)}: ${(err as Error).message}`;
    return { blocked: selfResult(spec.id, reason) };
  }
}

const elapsedSince = (started: number) => Math.round(performance.now() - started);

async function executeDnsProbe(
  spec: DnsSpec,
  target: ProbeTarget,
  deps: ProbeExecutorDeps,
  started: number,
): Promise<ProbeResult> {
  const host = target.apiHost ?? new URL(target.baseUrl).hostname;
  const { address } = await withTimeout((deps.dnsLookup ?? lookup)(host), spec.timeoutMs);
  return {
    probe: spec.id,
    billed: false,
    ok: true,
    httpStatus: null,
    errorKind: null,
    latencyMs: elapsedSince(started),
    detail: `${host} → ${address}`,
  };
}

/** Fetches the image an earlier probe's answer named. */
async function executeDownloadProbe(
  spec: DownloadSpec,
  extracted: Record<string, string | undefined>,
  deps: ProbeExecutorDeps,
  started: number,
): Promise<ProbeResult> {
  const url = extracted[spec.after];
  if (!url) return skippedResult(spec.id, `${spec.after} returned no image URL`);
  const response = await request(url, {
    method: 'GET',
    signal: AbortSignal.timeout(spec.timeoutMs),
    dispatcher: deps.dispatcher,
  });
  const body = Buffer.from(await response.body.arrayBuffer());
  const ok = response.statusCode >= 200 && response.statusCode < 300;
  return {
    probe: spec.id,
    billed: false,
    ok,
    httpStatus: response.statusCode,
    errorKind: null,
    latencyMs: elapsedSince(started),
    detail: ok ? `downloaded ${body.length} bytes` : sanitise(body.toString('utf8'), []),
  };
}

/** The call itself failed (DNS, connect, TLS, timeout, reset): the provider's evidence, with its kind. */
function transportFailure(spec: ProbeSpec, err: unknown, started: number): ProbeResult {
  return {
    probe: spec.id,
    billed: spec.billed,
    ok: false,
    httpStatus: null,
    errorKind: classifyTransportError(err),
    latencyMs: elapsedSince(started),
    detail: describeError(err),
    source: 'provider',
  };
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
