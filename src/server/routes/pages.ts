// src/server/routes: the console's routes by concern — pages, actions, auth, live events.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { auditIncident } from '../../app/audit.ts';
import { allowedSecretRefs } from '../../app/secret-refs.ts';
import { incidentTimeline, listIncidents, type IncidentRow } from '../../app/incidents.ts';
import { readIncidentView } from '../../app/incident-view.ts';
import { INCIDENT_STATES, SeveritySchema } from '../../contract/index.ts';
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

type ListQuery = { Querystring: { state?: string; severity?: string; all?: string } };
type IncidentParams = { Params: { id: string } };
type LoginQuery = { Querystring: { failed?: string; ended?: string; next?: string } };

/** Read-only pages: the incidents list, an incident, the open-incident form, and the static assets. */
export function registerPageRoutes(app: FastifyInstance, deps: ConsoleDeps): void {
  app.get('/static/console.js', (_request, reply) => reply.type('text/javascript').send(CONSOLE_JS));
  app.get('/static/console.css', (_request, reply) => reply.type('text/css').send(CONSOLE_CSS + FORMS_CSS));
  registerListPage(app, deps);
  registerIncidentPage(app, deps);
  registerIncidentPanel(app, deps);
  registerIncidentTimeline(app, deps);
  registerLoginPage(app, deps);
}

function registerListPage(app: FastifyInstance, deps: ConsoleDeps): void {
  app.get('/', { preHandler: requireRole('viewer') }, async (request: FastifyRequest<ListQuery>, reply) => {
    const filters = listFilters(request.query);
    // Visibility alone, memo included: no query, so no worker is asked and none can hold the list up.
    const rows = await deps.health.call(() => listIncidents(deps.client, filters, LIST_LIMIT));
    const withStatus = rows.map(listRow);
    return sendHtml(
      reply,
      page('Incidents', identityOf(request), incidentList(withStatus, filters), {
        csrf: reply.generateCsrf(),
        refreshSeconds: 10,
        drill: deps.drills !== null,
      }),
    );
  });
}

function registerIncidentPage(app: FastifyInstance, deps: ConsoleDeps): void {
  app.get(
    '/incidents/:id',
    { preHandler: requireRole('viewer') },
    async (request: FastifyRequest<IncidentParams>, reply) => {
      const id = request.params.id;
      const [incident, audit] = await deps.health.call(() =>
        Promise.all([readIncidentView(deps.client, id, ['timeline', 'postmortem']), auditIncident(deps.client, id)]),
      );
      const csrf = reply.generateCsrf();
      const identity = identityOf(request);
      const view = {
        status: incident.status,
        running: incident.running,
        timeline: incident.timeline,
        postmortem: incident.postmortem,
        audit,
        allowedSecretRefs: allowedSecretRefs(deps.catalog, incident.service),
        temporalUiUrl: temporalUiUrl(deps, id),
      };
      return sendHtml(
        reply,
        page(id, identity, incidentPage(view, identity, csrf), { csrf, drill: deps.drills !== null }),
      );
    },
  );
}

function registerIncidentPanel(app: FastifyInstance, deps: ConsoleDeps): void {
  app.get(
    '/incidents/:id/panel',
    { preHandler: requireRole('viewer') },
    async (request: FastifyRequest<IncidentParams>, reply) => {
      const { running, service, status } = await deps.health.call(() =>
        readIncidentView(deps.client, request.params.id),
      );
      const allowed = allowedSecretRefs(deps.catalog, service);
      return sendHtml(
        reply,
        incidentPanel({ status, running, allowedSecretRefs: allowed }, identityOf(request), reply.generateCsrf()),
      );
    },
  );
}

function registerIncidentTimeline(app: FastifyInstance, deps: ConsoleDeps): void {
  app.get(
    '/incidents/:id/timeline',
    { preHandler: requireRole('viewer') },
    async (request: FastifyRequest<IncidentParams>, reply) => {
      const timeline = await deps.health.call(() => incidentTimeline(deps.client, request.params.id));
      return sendHtml(reply, timelineRows(timeline));
    },
  );
}

function registerLoginPage(app: FastifyInstance, deps: ConsoleDeps): void {
  app.get('/login', (request: FastifyRequest<LoginQuery>, reply) => {
    if (currentIdentity(request)) return reply.redirect('/');
    const { failed, ended, next } = request.query;
    const form = loginPage({
      oidc: deps.oidc !== null,
      failed: failed === '1',
      ended: ended === '1' || request.sessionEnded,
      next: next ?? null,
    });
    return sendHtml(reply, page('Sign in', null, form));
  });
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

/** The list's filters as its form sends them; a value the form never offers is a 400 that says what it takes. */
function listFilters(query: ListQuery['Querystring']): { state?: string; severity?: string; all: boolean } {
  const refuse = (what: string, value: string, allowed: readonly string[]) =>
    Object.assign(new Error(`No ${what} "${value}": the list filters on ${allowed.join(', ')}, or none.`), {
      statusCode: 400,
    });
  const state = query.state || undefined;
  const severity = query.severity || undefined;
  if (state !== undefined && !(INCIDENT_STATES as readonly string[]).includes(state))
    throw refuse('state', state, INCIDENT_STATES);
  if (severity !== undefined && !(SeveritySchema.options as readonly string[]).includes(severity))
    throw refuse('severity', severity, SeveritySchema.options);
  return { state, severity, all: query.all === '1' };
}

/** Rows the list shows at most. */
const LIST_LIMIT = 100;

/** A visibility row, with owner and pending approvals from its memo (none shown once it closed). */
function listRow({ attention, ...row }: IncidentRow): ListRow {
  return {
    ...row,
    owner: attention.owner,
    pendingApprovals: row.status === 'RUNNING' ? attention.approvalsPending : null,
  };
}
