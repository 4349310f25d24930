import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimulatedEndpoint } from '../runbooks/tooling/index.ts';
import { applyBehavior } from './faults.ts';
import { keyOf, parseBody, preciseNow, readBody, redactHeaders, routeOf, send, sendText } from './http.ts';
import { behaviorOf, type PhaseBehavior, type ScenarioPhase } from './scenarios.ts';
import type { RecordedRequest, SimulatorState } from './state.ts';

const PNG_1X1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

/** One request: admin calls drive the simulator; the rest are recorded and answered as the current phase says. */
export async function handleRequest(state: SimulatorState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://simulator');
  if (url.pathname.startsWith('/__admin/')) return admin(state, req, res, url);

  const route = routeOf(state.profile, req.method ?? 'GET', url.pathname);
  const phase = state.phases.current();
  const record = recordRequest(state, req, url, route?.id ?? 'other');
  res.on('finish', () => {
    record.respondedAt = preciseNow();
    record.status = res.statusCode;
  });

  const body = await readBody(req);
  const behavior = behaviorOf(phase, record.endpoint);
  switch (route?.kind) {
    case 'api':
      return apiCall(state, route, req, res, body, behavior, record);
    case 'statusPage':
      return statusPage(state, res, behavior, record);
    case 'images':
      return image(state, res, url, route, behavior, record);
    default:
      return send(res, 404, { error: `no such endpoint: ${req.method} ${url.pathname}` });
  }
}

/** Counts the request against its phase and records it, in the phase it arrived in. */
function recordRequest(state: SimulatorState, req: IncomingMessage, url: URL, endpoint: string): RecordedRequest {
  const name = state.phases.name();
  state.phases.countRequest();
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
  state.recorded.push(record);
  return record;
}

async function apiCall(
  state: SimulatorState,
  route: SimulatedEndpoint,
  req: IncomingMessage,
  res: ServerResponse,
  raw: Buffer,
  behavior: PhaseBehavior | undefined,
  record: RecordedRequest,
): Promise<void> {
  const { profile, settings, inflight } = state;
  const apiKey = keyOf(req, profile.auth);
  if (!apiKey || (settings.validKeys && !settings.validKeys.includes(apiKey)))
    return send(res, profile.unauthorized.status, profile.unauthorized.body);
  const parsed = route.parse
    ? route.parse(await parseBody(req, raw).catch(() => undefined))
    : { units: 1, latencyMs: [0, 0] as [number, number], fields: {} };
  if (typeof parsed === 'string') return send(res, 400, { error: parsed });

  const inUse = inflight.get(apiKey) ?? 0;
  if (inUse + parsed.units > settings.inflightLimit)
    return send(res, 429, profile.inflightLimited.body, profile.inflightLimited.headers);
  inflight.set(apiKey, inUse + parsed.units);
  record.admittedAt = preciseNow();
  // The units stay in flight until the connection is done with them: a hung request keeps its slots.
  res.once('close', () => inflight.set(apiKey, (inflight.get(apiKey) ?? parsed.units) - parsed.units));
  if (await applyBehavior(state, res, behavior, parsed.latencyMs, record)) return;
  if (behavior?.status && behavior.status !== 200) {
    const headers: Record<string, string> = {
      ...behavior.headers,
      ...(behavior.retryAfterSeconds !== undefined ? { 'retry-after': String(behavior.retryAfterSeconds) } : {}),
    };
    return send(res, behavior.status, behavior.body ?? profile.errorBody(behavior.status), headers);
  }
  const fileUrl = () => signedImageUrl(state, req);
  return send(
    res,
    200,
    behavior?.body ?? profile.success(route.id, parsed, { fileUrl, now: new Date(settings.now()) }),
  );
}

/**
 * A new image URL, valid for the image TTL, on the host the client reached us by (so it works
 * behind Docker's service names too).
 */
function signedImageUrl(state: SimulatorState, req: IncomingMessage): string {
  const files = state.profile.endpoints.find((e) => e.kind === 'images');
  const id = randomBytes(8).toString('hex');
  state.images.set(id, { expiresAt: state.settings.now() + state.settings.imageTtlMs });
  const host = req.headers.host;
  const origin = host && /^[\w.-]+(:\d+)?$/.test(host) ? `http://${host}` : state.baseUrl;
  return `${origin}${files ? files.path.replace(/\*$/, '') : '/files/'}${id}.png?sig=${randomBytes(6).toString('hex')}`;
}

async function statusPage(
  state: SimulatorState,
  res: ServerResponse,
  behavior: PhaseBehavior | undefined,
  record: RecordedRequest,
): Promise<void> {
  if (await applyBehavior(state, res, behavior, [0, 0], record)) return;
  if (behavior?.status && behavior.status !== 200)
    return send(res, behavior.status, behavior.body ?? { error: 'status page error' });
  const indicator = behavior?.indicator ?? 'none';
  const description =
    behavior?.description ?? (indicator === 'none' ? 'All Systems Operational' : 'Service disruption');
  return send(res, 200, behavior?.body ?? { page: { name: state.profile.name }, status: { indicator, description } });
}

async function image(
  state: SimulatorState,
  res: ServerResponse,
  url: URL,
  route: SimulatedEndpoint,
  behavior: PhaseBehavior | undefined,
  record: RecordedRequest,
): Promise<void> {
  if (await applyBehavior(state, res, behavior, [0, 0], record)) return;
  const id = url.pathname.slice(route.path.length - 1).replace(/\.png$/, '');
  const stored = state.images.get(id);
  if (!stored)
    return sendText(
      res,
      404,
      '<?xml version="1.0"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>',
    );
  if (behavior?.expired || state.settings.now() >= stored.expiresAt) {
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

async function admin(state: SimulatorState, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (req.method === 'GET' && url.pathname === '/__admin/requests')
    return send(res, 200, { phase: state.phases.name(), requests: state.recorded });
  if (req.method === 'POST' && url.pathname === '/__admin/reset') {
    state.recorded.length = 0;
    return send(res, 200, { ok: true });
  }
  if (req.method === 'POST' && url.pathname === '/__admin/scenario') {
    try {
      const body = JSON.parse((await readBody(req)).toString('utf8')) as { name?: string; phases?: unknown };
      state.phases.set(body.name ?? (body.phases as ScenarioPhase[]));
      return send(res, 200, { ok: true, phase: state.phases.name() });
    } catch (err) {
      return send(res, 400, { error: (err as Error).message });
    }
  }
  return send(res, 404, { error: 'unknown admin endpoint' });
}
