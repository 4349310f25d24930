// src/server/routes: the console's routes by concern — pages, actions, auth, live events.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { auditIncident } from '../../app/audit.ts';
import { allowedSecretRefs, serviceOf } from '../../app/secret-refs.ts';
import {
  incidentHandle,
  incidentPostmortem,
  incidentStatus,
  incidentTimeline,
  listIncidents,
} from '../../app/incidents.ts';
import { statusQuery, type IncidentStatus } from '../../contract/index.ts';
import type { ConsoleDeps } from '../deps.ts';
import { currentIdentity, identityOf, requireRole } from '../guard.ts';
import type { Html } from '../html.ts';
import { CONSOLE_JS } from '../views/client-script.ts';
import { loginPage } from '../views/forms.ts';
import { incidentPage, incidentPanel } from '../views/incident.ts';
import { CONSOLE_CSS, page } from '../views/layout.ts';
import { FORMS_CSS } from '../views/panel-parts.ts';
import { incidentList, type ListRow } from '../views/list.ts';
import { timelineRows } from '../views/timeline.ts';

const sendHtml = (reply: FastifyReply, body: Html) => reply.type('text/html; charset=utf-8').send(body.text);

/** Read-only pages: the incidents list, an incident, the open-incident form, and the static assets. */
export function registerPageRoutes(app: FastifyInstance, deps: ConsoleDeps): void {
  app.get('/static/console.js', (_request, reply) => reply.type('text/javascript').send(CONSOLE_JS));
  app.get('/static/console.css', (_request, reply) => reply.type('text/css').send(CONSOLE_CSS + FORMS_CSS));

  app.get(
    '/',
    { preHandler: requireRole('viewer') },
    async (request: FastifyRequest<{ Querystring: { state?: string; severity?: string; all?: string } }>, reply) => {
      const filters = {
        state: request.query.state || undefined,
        severity: request.query.severity || undefined,
        all: request.query.all === '1',
      };
      const withStatus = await deps.health.call(async () => {
        const rows = (await listIncidents(deps.client, { all: filters.all, severity: filters.severity })).filter(
          (r) => !filters.state || r.state === filters.state,
        );
        return Promise.all(rows.slice(0, 100).map((row) => listRow(deps, row)));
      });
      return sendHtml(
        reply,
        page('Incidents', identityOf(request), incidentList(withStatus, filters), {
          csrf: reply.generateCsrf(),
          refreshSeconds: 10,
          drill: deps.drills !== null,
        }),
      );
    },
  );

  app.get(
    '/incidents/:id',
    { preHandler: requireRole('viewer') },
    async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
      const id = request.params.id;
      const { running, service, status, timeline, postmortem, audit } = await deps.health.call(async () => {
        const { running, description } = await incidentHandle(deps.client, id);
        const [status, timeline, postmortem, audit] = await Promise.all([
          incidentStatus(deps.client, id),
          incidentTimeline(deps.client, id),
          incidentPostmortem(deps.client, id),
          auditIncident(deps.client, id),
        ]);
        return { running, service: serviceOf(description), status, timeline, postmortem, audit };
      });
      const csrf = reply.generateCsrf();
      const identity = identityOf(request);
      const view = {
        status,
        running,
        timeline,
        postmortem,
        audit,
        allowedSecretRefs: allowedSecretRefs(deps.catalog, service),
        temporalUiUrl: temporalUiUrl(deps, id),
      };
      return sendHtml(
        reply,
        page(id, identity, incidentPage(view, identity, csrf), { csrf, drill: deps.drills !== null }),
      );
    },
  );

  app.get(
    '/incidents/:id/panel',
    { preHandler: requireRole('viewer') },
    async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
      const { running, service, status } = await deps.health.call(async () => {
        const { running, description } = await incidentHandle(deps.client, request.params.id);
        return {
          running,
          service: serviceOf(description),
          status: await incidentStatus(deps.client, request.params.id),
        };
      });
      const allowed = allowedSecretRefs(deps.catalog, service);
      return sendHtml(
        reply,
        incidentPanel({ status, running, allowedSecretRefs: allowed }, identityOf(request), reply.generateCsrf()),
      );
    },
  );

  app.get(
    '/incidents/:id/timeline',
    { preHandler: requireRole('viewer') },
    async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
      const timeline = await deps.health.call(() => incidentTimeline(deps.client, request.params.id));
      return sendHtml(reply, timelineRows(timeline));
    },
  );

  app.get(
    '/login',
    (request: FastifyRequest<{ Querystring: { failed?: string; ended?: string; next?: string } }>, reply) => {
      if (currentIdentity(request)) return reply.redirect('/');
      const { failed, ended, next } = request.query;
      return sendHtml(
        reply,
        page(
          'Sign in',
          null,
          loginPage({
            oidc: deps.oidc !== null,
            failed: failed === '1',
            ended: ended === '1' || request.sessionEnded,
            next: next ?? null,
          }),
        ),
      );
    },
  );
}

/** The incident's workflow in Temporal's Web UI (RUNBOOK_TEMPORAL_UI_URL), in the client's namespace. */
function temporalUiUrl(deps: ConsoleDeps, id: string): string | null {
  const base = deps.config.RUNBOOK_TEMPORAL_UI_URL;
  if (!base) return null;
  return new URL(
    `namespaces/${encodeURIComponent(deps.client.options.namespace)}/workflows/${encodeURIComponent(id)}`,
    base.endsWith('/') ? base : `${base}/`,
  ).href;
}

const LIST_QUERY_DEADLINE_MS = 1_500;

/** A visibility row, with owner and pending approvals from the status query while the incident runs. */
async function listRow(deps: ConsoleDeps, row: Awaited<ReturnType<typeof listIncidents>>[number]): Promise<ListRow> {
  let status: IncidentStatus | null = null;
  if (row.status === 'RUNNING') {
    // A list must not fail, or hang, because one incident's worker is busy or gone (a query waits
    // for a worker): those cells stay empty after a short deadline.
    const handle = deps.client.workflow.getHandle(row.incidentId);
    const deadline = Date.now() + Math.min(LIST_QUERY_DEADLINE_MS, deps.health.timeoutMs);
    status = await deps.client.withDeadline(deadline, () => handle.query(statusQuery)).catch(() => null);
  }
  return {
    ...row,
    owner: status?.owner ?? null,
    pendingApprovals: status ? status.pendingApprovals.length : null,
    state: status?.state ?? row.state,
  };
}
