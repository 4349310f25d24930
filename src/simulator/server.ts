import { randomBytes, randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { LookupAddress, LookupOptions } from 'node:dns';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { builtinScenario, parseScenarioPhases, type EndpointBehavior, type ScenarioPhase } from './scenarios.ts';

export interface SimulatorOptions {
  host?: string;
  port?: number;
  scenario?: string;
  phases?: ScenarioPhase[];
  /** Multiplies every latency: drills and tests run at 0.001–0.01. */
  latencyScale?: number;
  /** Signed image URLs expire after this long (the provider documents 24 h). */
  imageTtlMs?: number;
  /** Images in flight per key before 429 inflight_limit. */
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
  endpoint: 'legacy' | 'v3' | 'statusPage' | 'images' | 'other';
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

const MODELS = ['V_1', 'V_1_TURBO', 'V_2', 'V_2_TURBO', 'V_2A', 'V_2A_TURBO', 'V_3', 'AUTO'] as const;
const MAGIC = ['AUTO', 'ON', 'OFF'] as const;
const SPEEDS = ['FLASH', 'TURBO', 'BALANCED', 'DEFAULT', 'QUALITY'] as const;
const LEGACY_ASPECTS = ['ASPECT_1_1', 'ASPECT_10_16', 'ASPECT_16_10', 'ASPECT_9_16', 'ASPECT_16_9', 'ASPECT_3_2', 'ASPECT_2_3', 'ASPECT_4_3', 'ASPECT_3_4', 'ASPECT_1_3', 'ASPECT_3_1'] as const;

const LegacyRequestSchema = z.object({
  image_request: z.object({
    prompt: z.string().min(1),
    model: z.enum(MODELS).default('V_2'),
    magic_prompt_option: z.enum(MAGIC).optional(),
    num_images: z.coerce.number().int().min(1).max(8).default(1),
    seed: z.coerce.number().int().min(0).max(2147483647).optional(),
    aspect_ratio: z.enum(LEGACY_ASPECTS).optional(),
    style_type: z.string().optional(),
    resolution: z.string().optional(),
  }),
});
const V3RequestSchema = z.object({
  prompt: z.string().min(1),
  rendering_speed: z.enum(SPEEDS).default('DEFAULT'),
  magic_prompt: z.enum(MAGIC).optional(),
  num_images: z.coerce.number().int().min(1).max(8).default(1),
  seed: z.coerce.number().int().min(0).max(2147483647).optional(),
  aspect_ratio: z.string().regex(/^\d+x\d+$/, 'like 16x9').optional(),
  style_type: z.string().optional(),
});

/** Provider-documented latency per rendering speed, before scaling. */
const SPEED_LATENCY: Record<string, [number, number]> = {
  FLASH: [2_000, 4_000],
  TURBO: [4_000, 8_000],
  BALANCED: [6_000, 12_000],
  DEFAULT: [6_000, 12_000],
  QUALITY: [10_000, 25_000],
};

const PNG_1X1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

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
    phases = typeof scenario === 'string' ? builtinScenario(scenario).phases : parseScenarioPhases(scenario);
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

    const endpoint: RecordedRequest['endpoint'] =
      req.method === 'POST' && url.pathname === '/generate'
        ? 'legacy'
        : req.method === 'POST' && url.pathname === '/v1/ideogram-v3/generate'
          ? 'v3'
          : req.method === 'GET' && url.pathname === '/api/v2/status.json'
            ? 'statusPage'
            : req.method === 'GET' && url.pathname.startsWith('/images/')
              ? 'images'
              : 'other';
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
    switch (endpoint) {
      case 'legacy':
      case 'v3':
        return generate(endpoint, req, res, body, phase, record);
      case 'statusPage':
        return statusPage(res, phase, record);
      case 'images':
        return image(res, url, phase, record);
      default:
        return send(res, 404, { error: `no such endpoint: ${req.method} ${url.pathname}` });
    }
  }

  async function applyBehavior(res: ServerResponse, behavior: EndpointBehavior | undefined, fallback: [number, number], record: RecordedRequest): Promise<boolean> {
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
        res.end('<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>cloudflare</center></body></html>');
        return true;
      case 'truncated': {
        const text = JSON.stringify({ created: new Date().toISOString(), data: [{ url: `${baseUrl}/images/x.png`, prompt: 'x' }] });
        res.writeHead(behavior.status ?? 200, { 'content-type': 'application/json' });
        res.end(text.slice(0, Math.floor(text.length / 2)));
        return true;
      }
    }
  }

  async function generate(
    endpoint: 'legacy' | 'v3',
    req: IncomingMessage,
    res: ServerResponse,
    raw: Buffer,
    phase: ScenarioPhase,
    record: RecordedRequest,
  ): Promise<void> {
    const key = req.headers['api-key'];
    const apiKey = typeof key === 'string' ? key : '';
    if (!apiKey || (options.validKeys && !options.validKeys.includes(apiKey))) {
      return send(res, 401, { error: 'Unauthorized: invalid or missing Api-Key' });
    }
    let parsed: { prompt: string; numImages: number; speed: string; style?: string; seed?: number };
    try {
      if (endpoint === 'legacy') {
        const json = LegacyRequestSchema.parse(JSON.parse(raw.toString('utf8') || 'null'));
        const r = json.image_request;
        parsed = { prompt: r.prompt, numImages: r.num_images, speed: r.model.endsWith('TURBO') ? 'TURBO' : 'DEFAULT', style: r.style_type, seed: r.seed };
      } else {
        const fields = await parseV3Body(req, raw);
        const r = V3RequestSchema.parse(fields);
        parsed = { prompt: r.prompt, numImages: r.num_images, speed: r.rendering_speed, style: r.style_type, seed: r.seed };
      }
    } catch (err) {
      const message = err instanceof z.ZodError ? err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : 'malformed body';
      return send(res, 400, { error: `Invalid request: ${message}` });
    }

    const behavior = phase[endpoint];
    const inUse = inflight.get(apiKey) ?? 0;
    if (inUse + parsed.numImages > inflightLimit) {
      return send(res, 429, { error: 'Too many requests in flight', reject_reason: 'inflight_limit' }, { 'retry-after': '1' });
    }
    inflight.set(apiKey, inUse + parsed.numImages);
    record.admittedAt = preciseNow();
    // The images stay in flight until the connection is done with them: a hung request keeps its slots.
    res.once('close', () => inflight.set(apiKey, (inflight.get(apiKey) ?? parsed.numImages) - parsed.numImages));
    if (await applyBehavior(res, behavior, SPEED_LATENCY[parsed.speed] ?? [6_000, 12_000], record)) return;
    if (behavior?.status && behavior.status !== 200) {
      const headers: Record<string, string> = behavior.retryAfterSeconds !== undefined ? { 'retry-after': String(behavior.retryAfterSeconds) } : {};
      return send(res, behavior.status, behavior.body ?? { error: `HTTP ${behavior.status}` }, headers);
    }
    const unsafe = /\bunsafe\b/i.test(parsed.prompt);
    const data = Array.from({ length: parsed.numImages }, () => {
      const id = randomBytes(8).toString('hex');
      images.set(id, { expiresAt: now() + imageTtlMs });
      return {
        url: unsafe ? '' : `${publicOrigin(req)}/images/${id}.png?sig=${randomBytes(6).toString('hex')}`,
        prompt: parsed.prompt,
        resolution: '1024x1024',
        is_image_safe: !unsafe,
        seed: parsed.seed ?? randomInt(0, 2147483647),
        style_type: parsed.style ?? 'GENERAL',
      };
    });
    return send(res, 200, behavior?.body ?? { created: new Date().toISOString(), data });
  }

  /** Image URLs use the host the client reached us by, so they work behind Docker's service names too. */
  function publicOrigin(req: IncomingMessage): string {
    const host = req.headers.host;
    return host && /^[\w.-]+(:\d+)?$/.test(host) ? `http://${host}` : baseUrl;
  }

  async function statusPage(res: ServerResponse, phase: ScenarioPhase, record: RecordedRequest): Promise<void> {
    const behavior = phase.statusPage;
    if (await applyBehavior(res, behavior, [0, 0], record)) return;
    if (behavior?.status && behavior.status !== 200) return send(res, behavior.status, behavior.body ?? { error: 'status page error' });
    const indicator = behavior?.indicator ?? 'none';
    const description = behavior?.description ?? (indicator === 'none' ? 'All Systems Operational' : 'Service disruption');
    return send(res, 200, behavior?.body ?? { page: { name: 'Ideogram (simulated)' }, status: { indicator, description } });
  }

  async function image(res: ServerResponse, url: URL, phase: ScenarioPhase, record: RecordedRequest): Promise<void> {
    const behavior = phase.images;
    if (await applyBehavior(res, behavior, [0, 0], record)) return;
    const id = url.pathname.replace(/^\/images\//, '').replace(/\.png$/, '');
    const stored = images.get(id);
    if (!stored) return sendText(res, 404, '<?xml version="1.0"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>');
    if (behavior?.expired || now() >= stored.expiresAt) {
      return sendText(res, 403, '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
    }
    if (behavior?.status && behavior.status !== 200) return sendText(res, behavior.status, 'error');
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': PNG_1X1.length });
    res.end(PNG_1X1);
  }

  async function admin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method === 'GET' && url.pathname === '/__admin/requests') return send(res, 200, { phase: phaseName(), requests: recorded });
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

  const unresolvableHost = 'api.ideogram.invalid';
  const lookup = async (hostname: string): Promise<{ address: string; family: 4 }> => {
    if (hostname === unresolvableHost || currentPhase().dns === 'fail') {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
    }
    return { address: '127.0.0.1', family: 4 };
  };
  const nodeLookup: NodeLookup = (hostname, lookupOptions, callback) => {
    lookup(hostname).then(
      ({ address, family }) => (lookupOptions.all ? callback(null, [{ address, family }]) : callback(null, address, family)),
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };

  return {
    baseUrl,
    statusPageUrl: `${baseUrl}/api/v2/status.json`,
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
    out[name] = name === 'api-key' || name === 'authorization' ? '[REDACTED]' : Array.isArray(value) ? value.join(', ') : value;
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

async function parseV3Body(req: IncomingMessage, raw: Buffer): Promise<Record<string, string>> {
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('application/json')) return JSON.parse(raw.toString('utf8')) as Record<string, string>;
  if (!type.startsWith('multipart/form-data')) throw new Error('expected multipart/form-data or application/json');
  const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': type } }).formData();
  const fields: Record<string, string> = {};
  for (const [name, value] of form.entries()) if (typeof value === 'string') fields[name] = value;
  return fields;
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
