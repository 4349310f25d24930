import type { FastifyInstance, FastifyRequest } from 'fastify';
import { incidentHandle } from '../../app/incidents.ts';
import { unseenEntries } from '../../contract/index.ts';
import type { ConsoleDeps } from '../deps.ts';
import { currentIdentity, requireRole } from '../guard.ts';
import type { LiveUpdate } from '../live-events.ts';
import { panelVersion } from '../views/panel-version.ts';

type EventsRequest = FastifyRequest<{
  Params: { id: string };
  Querystring: { after?: string; seq?: string; version?: string };
}>;

/**
 * Live events of one incident as server-sent events: new timeline entries (`timeline`), a change
 * of state or of pending approvals (`status`, the page re-fetches its panel), `closed`, and
 * `temporal` when the console loses (or regains) its Temporal server. The incident is polled by one
 * loop shared by all its viewers (LivePollers), so browsers never talk to Temporal and viewers do
 * not multiply the load. A session holds a bounded number of streams: each open one costs a socket.
 */
export function registerSseRoutes(app: FastifyInstance, deps: ConsoleDeps): void {
  const limit = deps.config.RUNBOOK_CONSOLE_STREAMS_PER_SESSION;
  const open = new Map<string, number>();

  app.get('/incidents/:id/events', { preHandler: requireRole('viewer') }, async (request: EventsRequest, reply) => {
    const id = request.params.id;
    const identity = currentIdentity(request)!;
    // Every live session has an id (the guard let this request through).
    const session = request.session.get('sid')!;
    if ((open.get(session) ?? 0) >= limit) {
      request.log.warn(
        { user: identity.name, incidentId: id, limit },
        'live events refused: too many streams in one session',
      );
      return reply
        .code(429)
        .type('text/plain; charset=utf-8')
        .send(
          `Too many live views: this session already has ${limit} live incident pages open (RUNBOOK_CONSOLE_STREAMS_PER_SESSION). Close one of them and reload this page.`,
        );
    }
    await deps.health.call(() => incidentHandle(deps.client, id));
    open.set(session, (open.get(session) ?? 0) + 1);
    reply.hijack();
    const out = reply.raw;
    out.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    const send = (event: string, data: unknown) => out.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    // What the page rendered: its row count, and the last entry's sequence number (the timeline is bounded).
    const sent = {
      count: Math.max(0, Number(request.query.after) || 0),
      lastSeq: request.query.seq === undefined ? -1 : Math.max(0, Number(request.query.seq) || 0),
    };
    // The panel the page was rendered with: anything newer, even at the first poll, is sent.
    let shownVersion = request.query.version ?? '';
    let done = false;
    let unsubscribe: (() => void) | null = null;
    let unwatchSession: (() => void) | null = null;
    const finish = () => {
      if (done) return;
      done = true;
      unsubscribe?.();
      unwatchSession?.();
      const left = (open.get(session) ?? 1) - 1;
      if (left > 0) open.set(session, left);
      else open.delete(session);
      out.end();
    };
    // Signed out (here or in another tab) or expired: the page says so instead of going quietly stale.
    const signedOut = () => {
      if (done) return;
      send('signed-out', {
        message: 'Signed out: this page no longer follows the incident. Sign in again to act on it.',
      });
      finish();
    };
    const onUpdate = (update: LiveUpdate) => {
      if (done) return;
      if (!deps.sessions.isLive(session)) {
        signedOut();
        return;
      }
      if (update.kind === 'temporal') {
        send('temporal', { up: update.up, message: update.message });
        return;
      }
      const { running, timeline, status } = update.snapshot;
      for (const entry of unseenEntries(timeline, sent)) send('timeline', entry);
      if (!running) {
        send('closed', { incidentId: id });
        finish();
        return;
      }
      const version = status ? panelVersion(status) : shownVersion;
      if (status && version !== shownVersion) {
        send('status', { state: status.state });
        shownVersion = version;
      }
      // A comment line per poll, numbered by the shared loop: proxies see a live stream, and a reader can tell where a poll ends.
      out.write(`: poll ${update.seq}\n\n`);
    };
    unwatchSession = deps.sessions.onEnd(session, signedOut);
    unsubscribe = deps.live.subscribe(id, onUpdate);
    // A viewer joining a loop that already ended hears `closed` before the subscription is known.
    if (done) unsubscribe();
    request.raw.on('close', finish);
  });
}
