import type { FastifyInstance, FastifyRequest } from 'fastify';
import { incidentHandle, incidentStatus, incidentTimeline } from '../../app/incidents.ts';
import type { ConsoleDeps } from '../deps.ts';
import { requireRole } from '../guard.ts';
import { panelVersion } from '../views/panel-version.ts';

const POLL_MS = 1_000;

/**
 * Live events of one incident as server-sent events: new timeline entries (`timeline`), a change
 * of state or of pending approvals (`status`, the page re-fetches its panel), and `closed`. The
 * workflow's queries are polled here, once per open page, so browsers never talk to Temporal.
 */
export function registerSseRoutes(app: FastifyInstance, deps: ConsoleDeps): void {
  app.get('/incidents/:id/events', { preHandler: requireRole('viewer') }, async (request: FastifyRequest<{ Params: { id: string }; Querystring: { after?: string; version?: string } }>, reply) => {
    const id = request.params.id;
    await incidentHandle(deps.client, id);
    reply.hijack();
    const out = reply.raw;
    out.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    const send = (event: string, data: unknown) => out.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    let sent = Math.max(0, Number(request.query.after) || 0);
    // The panel the page was rendered with: anything newer, even at the first poll, is sent.
    let shownVersion = request.query.version ?? '';
    let stopped = false;
    request.raw.on('close', () => {
      stopped = true;
    });
    while (!stopped) {
      try {
        const { running } = await incidentHandle(deps.client, id);
        const timeline = await incidentTimeline(deps.client, id);
        for (const entry of timeline.slice(sent)) send('timeline', entry);
        sent = Math.max(sent, timeline.length);
        if (!running) {
          send('closed', { incidentId: id });
          break;
        }
        const status = await incidentStatus(deps.client, id);
        const version = panelVersion(status);
        if (version !== shownVersion) {
          send('status', { state: status.state });
          shownVersion = version;
        }
        // A comment line per poll: proxies see a live stream, and a reader can tell where a poll ends.
        out.write(': polled\n\n');
      } catch (err) {
        // A worker restart or a continue-as-new makes one poll miss: the next one catches up.
        request.log.debug({ err, incidentId: id }, 'live events: poll missed');
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    out.end();
  });
}
