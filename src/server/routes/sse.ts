import type { IncomingMessage, ServerResponse } from 'node:http';
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
  const streams = new StreamsPerSession();

  app.get('/incidents/:id/events', { preHandler: requireRole('viewer') }, async (request: EventsRequest, reply) => {
    const id = request.params.id;
    // Every live session has an id (the guard let this request through).
    const session = request.session.get('sid')!;
    if (streams.count(session) >= limit) {
      request.log.warn(
        { user: currentIdentity(request)!.name, incidentId: id, limit },
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
    streams.opened(session);
    reply.hijack();
    new IncidentStream(deps, reply.raw, { id, session, query: request.query }, () => streams.closed(session)).follow(
      request.raw,
    );
  });
}

/** Open streams per session. */
class StreamsPerSession {
  private readonly open = new Map<string, number>();

  count(session: string): number {
    return this.open.get(session) ?? 0;
  }

  opened(session: string): void {
    this.open.set(session, this.count(session) + 1);
  }

  closed(session: string): void {
    const left = (this.open.get(session) ?? 1) - 1;
    if (left > 0) this.open.set(session, left);
    else this.open.delete(session);
  }
}

/** One page's stream: what the page has shown, and what the shared poll loop tells it next. */
class IncidentStream {
  /** What the page rendered: its row count, and the last entry's sequence number (the timeline is bounded). */
  private readonly sent: { count: number; lastSeq: number };
  /** The panel the page was rendered with: anything newer, even at the first poll, is sent. */
  private shownVersion: string;
  private done = false;
  private unsubscribe: (() => void) | null = null;
  private unwatchSession: (() => void) | null = null;

  private readonly deps: ConsoleDeps;
  private readonly out: ServerResponse;
  private readonly page: { id: string; session: string; query: EventsRequest['query'] };
  private readonly onFinish: () => void;

  constructor(deps: ConsoleDeps, out: ServerResponse, page: IncidentStream['page'], onFinish: () => void) {
    this.deps = deps;
    this.out = out;
    this.page = page;
    this.onFinish = onFinish;
    const { query } = page;
    this.sent = {
      count: Math.max(0, Number(query.after) || 0),
      lastSeq: query.seq === undefined ? -1 : Math.max(0, Number(query.seq) || 0),
    };
    this.shownVersion = query.version ?? '';
  }

  follow(request: IncomingMessage): void {
    this.out.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    this.unwatchSession = this.deps.sessions.onEnd(this.page.session, this.signedOut);
    this.unsubscribe = this.deps.live.subscribe(this.page.id, this.onUpdate);
    // A viewer joining a loop that already ended hears `closed` before the subscription is known.
    if (this.done) this.unsubscribe();
    request.on('close', this.finish);
  }

  private send(event: string, data: unknown): void {
    this.out.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private readonly finish = () => {
    if (this.done) return;
    this.done = true;
    this.unsubscribe?.();
    this.unwatchSession?.();
    this.onFinish();
    this.out.end();
  };

  /** Signed out (here or in another tab) or expired: the page says so instead of going quietly stale. */
  private readonly signedOut = () => {
    if (this.done) return;
    this.send('signed-out', {
      message: 'Signed out: this page no longer follows the incident. Sign in again to act on it.',
    });
    this.finish();
  };

  private readonly onUpdate = (update: LiveUpdate) => {
    if (this.done) return;
    if (!this.deps.sessions.isLive(this.page.session)) {
      this.signedOut();
      return;
    }
    if (update.kind === 'temporal') {
      this.send('temporal', { up: update.up, message: update.message });
      return;
    }
    const { running, timeline, status } = update.snapshot;
    for (const entry of unseenEntries(timeline, this.sent)) this.send('timeline', entry);
    if (!running) {
      this.send('closed', { incidentId: this.page.id });
      this.finish();
      return;
    }
    const version = status ? panelVersion(status) : this.shownVersion;
    if (status && version !== this.shownVersion) {
      this.send('status', { state: status.state });
      this.shownVersion = version;
    }
    // A comment line per poll, numbered by the shared loop: proxies see a live stream, and a reader can tell where a poll ends.
    this.out.write(`: poll ${update.seq}\n\n`);
  };
}
