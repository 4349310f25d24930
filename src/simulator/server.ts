import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { LookupAddress, LookupOptions } from 'node:dns';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { defaultRunbookId, getRunbook } from '../runbooks/index.ts';
import type { SimulatedEndpoint, SimulatedRequest, SimulatorProfile } from '../runbooks/types.ts';
import {
  behaviorOf,
  builtinScenario,
  parseScenarioPhases,
  type EndpointBehavior,
  type PhaseBehavior,
  type ScenarioPhase,
} from './scenarios.ts';

export interface SimulatorOptions {
  /** Whose API to simulate: a runbook's simulator profile and scenarios (default: the first registered runbook). */
  runbook?: string;
  host?: string;
  port?: number;
  scenario?: string;
  phases?: ScenarioPhase[];
  /** Multiplies every latency: drills run at 0.05 (DRILL_LATENCY_SCALE), tests choose their own (0 where latency is beside the point). */
  latencyScale?: number;
  /** Signed image URLs expire after this long (the provider documents 24 h). */
  imageTtlMs?: number;
  /** Units (e.g. images) in flight per key before the profile's 429. */
  inflightLimit?: number;
  /** Keys the simulator accepts; default: any non-empty key. */
  validKeys?: string[];
  /** Tests drive time-based phases and URL expiry with their own clock. */
  now?: () => number;
}

/** Node's `lookup` shape, as `net.connect` (and so an undici Agent's `connect.lookup`) takes it. */
export type NodeLookup = (
  hostname: string,
  options: LookupOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
) => void;

export interface RecordedRequest {
  method: string;
  path: string;
  /** The profile's endpoint id, or `other`. */
  endpoint: string;
  /** Epoch milliseconds with sub-millisecond precision, so ordering between requests is exact. */
  arrivedAt: number;
  respondedAt: number | null;
  /** When a generate request was counted against the in-flight limit. */
  admittedAt: number | null;
  status: number | null;
  fault: string | null;
  phase: string;
  headers: Record<string, string>;
}

export interface RunningSimulator {
  baseUrl: string;
  statusPageUrl: string;
  adminUrl: string;
  /** A host name that never resolves, for the dns-failure scenario. */
  unresolvableHost: string;
  /**
   * The simulated resolver: every name answers 127.0.0.1, except `unresolvableHost` and any name
   * while the current phase says `dns: "fail"` (ENOTFOUND). Give it to the probes (`dnsLookup`, and
   * an undici Agent's `connect.lookup` via `nodeLookup`) to let scenario files fail DNS.
   */
  lookup(hostname: string): Promise<{ address: string; family: 4 }>;
  nodeLookup: NodeLookup;
  setScenario(scenario: string | ScenarioPhase[]): void;
  currentPhase(): string;
  requests(): RecordedRequest[];
  reset(): void;
  stop(): Promise<void>;
}

const PNG_1X1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

function pickLatency(latency: EndpointBehavior['latencyMs'], fallback: [number, number]): number {
  const [min, max] = latency === undefined ? fallback : typeof latency === 'number' ? [latency, latency] : latency;
  return min === max ? min : min + Math.random() * (max - min);
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const host = options.host ?? '127.0.0.1';
  const latencyScale = options.latencyScale ?? 1;
  const imageTtlMs = options.imageTtlMs ?? 24 * 3600_000;
  const inflightLimit = options.inflightLimit ?? 10;
  const now = options.now ?? Date.now;
  const tooling = getRunbook(options.runbook ?? defaultRunbookId()).tooling;
  const profile: SimulatorProfile = tooling.simulator;

  let phases: ScenarioPhase[] = [];
  let phaseIndex = 0;
  let phaseStartedAt = now();
  let phaseRequests = 0;
  const recorded: RecordedRequest[] = [];
  const inflight = new Map<string, number>();
  const images = new Map<string, { expiresAt: number }>();
  const sockets = new Set<Socket>();
  const hung = new Set<ServerResponse>();

  const setScenario = (scenario: string | ScenarioPhase[]) => {
    phases =
      typeof scenario === 'string'
        ? builtinScenario(scenario, tooling.scenarios).phases
        : parseScenarioPhases(scenario, 'scenario', profile);
    phaseIndex = 0;
    phaseStartedAt = now();
    phaseRequests = 0;
  };
  setScenario(options.phases ?? options.scenario ?? 'healthy');

  /** Phases advance by time or by request count; the last phase lasts forever. */
  const currentPhase = (): ScenarioPhase => {
    for (;;) {
      const phase = phases[phaseIndex]!;
      if (phaseIndex === phases.length - 1) return phase;
      const expiredByTime = phase.durationMs !== undefined && now() - phaseStartedAt >= phase.durationMs;
      const expiredByCount = phase.requests !== undefined && phaseRequests >= phase.requests;
      if (!expiredByTime && !expiredByCount) return phase;
      phaseIndex += 1;
      phaseStartedAt = now();
      phaseRequests = 0;
    }
  };
  const phaseName = () => currentPhase().name ?? `phase-${phaseIndex}`;

  let baseUrl = '';

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { error: `simulator error: ${(err as Error).message}` });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    if (url.pathname.startsWith('/__admin/')) return admin(req, res, url);

    const route = routeOf(profile, req.method ?? 'GET', url.pathname);
    const endpoint = route?.id ?? 'other';
    const phase = currentPhase();
    const name = phaseName();
    phaseRequests += 1;
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      endpoint,
      arrivedAt: preciseNow(),
      respondedAt: null,
      admittedAt: null,
      status: null,
      fault: null,
      phase: name,
      headers: redactHeaders(req.headers),
    };
    recorded.push(record);
    res.on('finish', () => {
      record.respondedAt = preciseNow();
      record.status = res.statusCode;
    });

    const body = await readBody(req);
    const behavior = behaviorOf(phase, endpoint);
    switch (route?.kind) {
      case 'api':
        return apiCall(route, req, res, body, behavior, record);
      case 'statusPage':
        return statusPage(res, behavior, record);
      case 'images':
        return image(res, url, route, behavior, record);
      default:
        return send(res, 404, { error: `no such endpoint: ${req.method} ${url.pathname}` });
    }
  }

  async function applyBehavior(
    res: ServerResponse,
    behavior: EndpointBehavior | undefined,
    fallback: [number, number],
    record: RecordedRequest,
  ): Promise<boolean> {
    const delay = pickLatency(behavior?.latencyMs, fallback) * latencyScale;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    const fault = behavior?.fault;
    if (!fault) return false;
    record.fault = fault;
    switch (fault) {
      case 'hang':
        hung.add(res);
        res.on('close', () => hung.delete(res));
        return true;
      case 'reset':
        res.socket?.destroy();
        return true;
      case 'html':
        res.writeHead(behavior.status ?? 502, { 'content-type': 'text/html' });
        res.end(
          '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>cloudflare</center></body></html>',
        );
        return true;
      case 'truncated': {
        // Half of a genuine success body: starts like one, never parses.
        const sample: SimulatedRequest = { units: 1, latencyMs: [0, 0], fields: { prompt: 'x' } };
        const text = JSON.stringify(
          profile.success(record.endpoint, sample, { fileUrl: () => `${baseUrl}/files/x`, now: new Date(now()) }),
        );
        res.writeHead(behavior.status ?? 200, { 'content-type': 'application/json' });
        res.end(text.slice(0, Math.floor(text.length / 2)));
        return true;
      }
    }
  }

  async function apiCall(
    route: SimulatedEndpoint,
    req: IncomingMessage,
    res: ServerResponse,
    raw: Buffer,
    behavior: PhaseBehavior | undefined,
    record: RecordedRequest,
  ): Promise<void> {
    const apiKey = keyOf(req, profile.auth);
    if (!apiKey || (options.validKeys && !options.validKeys.includes(apiKey)))
      return send(res, profile.unauthorized.status, profile.unauthorized.body);
    const parsed = route.parse
      ? route.parse(await parseBody(req, raw).catch(() => undefined))
      : { units: 1, latencyMs: [0, 0] as [number, number], fields: {} };
    if (typeof parsed === 'string') return send(res, 400, { error: parsed });

    const inUse = inflight.get(apiKey) ?? 0;
    if (inUse + parsed.units > inflightLimit)
      return send(res, 429, profile.inflightLimited.body, profile.inflightLimited.headers);
    inflight.set(apiKey, inUse + parsed.units);
    record.admittedAt = preciseNow();
    // The units stay in flight until the connection is done with them: a hung request keeps its slots.
    res.once('close', () => inflight.set(apiKey, (inflight.get(apiKey) ?? parsed.units) - parsed.units));
    if (await applyBehavior(res, behavior, parsed.latencyMs, record)) return;
    if (behavior?.status && behavior.status !== 200) {
      const headers: Record<string, string> = {
        ...behavior.headers,
        ...(behavior.retryAfterSeconds !== undefined ? { 'retry-after': String(behavior.retryAfterSeconds) } : {}),
      };
      return send(res, behavior.status, behavior.body ?? profile.errorBody(behavior.status), headers);
    }
    const files = profile.endpoints.find((e) => e.kind === 'images');
    const fileUrl = () => {
      const id = randomBytes(8).toString('hex');
      images.set(id, { expiresAt: now() + imageTtlMs });
      return `${publicOrigin(req)}${files ? files.path.replace(/\*$/, '') : '/files/'}${id}.png?sig=${randomBytes(6).toString('hex')}`;
    };
    return send(res, 200, behavior?.body ?? profile.success(route.id, parsed, { fileUrl, now: new Date(now()) }));
  }

  /** Image URLs use the host the client reached us by, so they work behind Docker's service names too. */
  function publicOrigin(req: IncomingMessage): string {
    const host = req.headers.host;
    return host && /^[\w.-]+(:\d+)?$/.test(host) ? `http://${host}` : baseUrl;
  }

  async function statusPage(
    res: ServerResponse,
    behavior: PhaseBehavior | undefined,
    record: RecordedRequest,
  ): Promise<void> {
    if (await applyBehavior(res, behavior, [0, 0], record)) return;
    if (behavior?.status && behavior.status !== 200)
      return send(res, behavior.status, behavior.body ?? { error: 'status page error' });
    const indicator = behavior?.indicator ?? 'none';
    const description =
      behavior?.description ?? (indicator === 'none' ? 'All Systems Operational' : 'Service disruption');
    return send(res, 200, behavior?.body ?? { page: { name: profile.name }, status: { indicator, description } });
  }

  async function image(
    res: ServerResponse,
    url: URL,
    route: SimulatedEndpoint,
    behavior: PhaseBehavior | undefined,
    record: RecordedRequest,
  ): Promise<void> {
    if (await applyBehavior(res, behavior, [0, 0], record)) return;
    const id = url.pathname.slice(route.path.length - 1).replace(/\.png$/, '');
    const stored = images.get(id);
    if (!stored)
      return sendText(
        res,
        404,
        '<?xml version="1.0"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>',
      );
    if (behavior?.expired || now() >= stored.expiresAt) {
      return sendText(
        res,
        403,
        '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>',
      );
    }
    if (behavior?.status && behavior.status !== 200) return sendText(res, behavior.status, 'error');
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': PNG_1X1.length });
    res.end(PNG_1X1);
  }

  async function admin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method === 'GET' && url.pathname === '/__admin/requests')
      return send(res, 200, { phase: phaseName(), requests: recorded });
    if (req.method === 'POST' && url.pathname === '/__admin/reset') {
      recorded.length = 0;
      return send(res, 200, { ok: true });
    }
    if (req.method === 'POST' && url.pathname === '/__admin/scenario') {
      try {
        const body = JSON.parse((await readBody(req)).toString('utf8')) as { name?: string; phases?: unknown };
        setScenario(body.name ?? (body.phases as ScenarioPhase[]));
        return send(res, 200, { ok: true, phase: phaseName() });
      } catch (err) {
        return send(res, 400, { error: (err as Error).message });
      }
    }
    return send(res, 404, { error: 'unknown admin endpoint' });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;

  const unresolvableHost = profile.unresolvableHost;
  const lookup = async (hostname: string): Promise<{ address: string; family: 4 }> => {
    if (hostname === unresolvableHost || currentPhase().dns === 'fail') {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
    }
    return { address: '127.0.0.1', family: 4 };
  };
  const nodeLookup: NodeLookup = (hostname, lookupOptions, callback) => {
    lookup(hostname).then(
      ({ address, family }) =>
        lookupOptions.all ? callback(null, [{ address, family }]) : callback(null, address, family),
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };

  return {
    baseUrl,
    statusPageUrl: `${baseUrl}${profile.endpoints.find((e) => e.kind === 'statusPage')?.path ?? '/status.json'}`,
    adminUrl: `${baseUrl}/__admin`,
    unresolvableHost,
    lookup,
    nodeLookup,
    setScenario,
    currentPhase: phaseName,
    requests: () => recorded.map((r) => ({ ...r })),
    reset: () => {
      recorded.length = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const res of hung) res.destroy();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

function redactHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] =
      name === 'api-key' || name === 'authorization' ? '[REDACTED]' : Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The endpoint a request is for: exact paths, or prefixes declared with a trailing `*`. */
function routeOf(profile: SimulatorProfile, method: string, path: string): SimulatedEndpoint | undefined {
  return profile.endpoints.find(
    (e) => e.method === method && (e.path.endsWith('*') ? path.startsWith(e.path.slice(0, -1)) : path === e.path),
  );
}

/** The key as the profile says it is sent (`<header>: <prefix><key>`); empty when absent or malformed. */
function keyOf(req: IncomingMessage, auth: SimulatorProfile['auth']): string {
  const value = req.headers[auth.header.toLowerCase()];
  if (typeof value !== 'string') return '';
  const prefix = auth.prefix ?? '';
  return value.startsWith(prefix) ? value.slice(prefix.length) : '';
}

/** A JSON body, or the text fields of a multipart form; anything else is refused. */
async function parseBody(req: IncomingMessage, raw: Buffer): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': type } }).formData();
    const fields: Record<string, string> = {};
    for (const [name, value] of form.entries()) if (typeof value === 'string') fields[name] = value;
    return fields;
  }
  return JSON.parse(raw.toString('utf8') || 'null') as unknown;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
