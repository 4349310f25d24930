import { INCIDENT_STATES, IncidentStateSchema, SeveritySchema } from '../../contract/index.ts';
import { html, type Html } from '../html.ts';
import { severityBadge, stateBadge } from './state-header.ts';
import { timeEl } from './time.ts';

export interface ListRow {
  incidentId: string;
  status: string;
  state: string | null;
  severity: string | null;
  cause: string | null;
  owner: string | null;
  startedAt: string;
  pendingApprovals: number | null;
  /** Temporal reports its workflow task failing on every attempt; `problem` says how. */
  stuck: boolean;
  problem: string | null;
}

export interface ListFilters {
  state?: string;
  severity?: string;
  all: boolean;
}

function stateCell(row: ListRow): Html {
  const state = IncidentStateSchema.safeParse(row.state);
  const shown = state.success ? stateBadge(state.data) : (row.state ?? row.status.toLowerCase());
  // The state it last reported is not where it is: it cannot move on until an operator acts.
  const stuck = row.stuck
    ? html` <span class="badge stuck" title="${row.problem ?? ''}">stuck: needs an operator</span>`
    : '';
  return html`${shown}${stuck}`;
}

const STATES = ['', ...INCIDENT_STATES];
const SEVERITIES = ['', 'P1', 'P2', 'P3', 'P4'];

function options(values: string[], selected: string | undefined): Html[] {
  return values.map(
    (v) => html`<option value="${v}" ${v === (selected ?? '') ? html`selected` : ''}>${v || 'any'}</option>`,
  );
}

export function incidentList(rows: ListRow[], filters: ListFilters, now = new Date()): Html {
  return html`<form method="get" action="/" class="inline">
<label>State <select name="state">${options(STATES, filters.state)}</select></label>
<label>Severity <select name="severity">${options(SEVERITIES, filters.severity)}</select></label>
<label><input type="checkbox" name="all" value="1" ${filters.all ? html`checked` : ''}> include closed</label>
<button>Filter</button></form>
<div class="scroll"><table id="incidents"><thead><tr><th>Incident</th><th>Severity</th><th>Cause</th><th>State</th><th>Owner</th><th>Age</th><th>Pending approvals</th></tr></thead><tbody>
${rows.length === 0 ? html`<tr><td colspan="7">No incidents match.</td></tr>` : ''}
${rows.map(
  (r) => html`<tr><td><a href="/incidents/${encodeURIComponent(r.incidentId)}">${r.incidentId}</a></td>
<td>${severityBadge(SeveritySchema.safeParse(r.severity).data)}</td><td>${r.cause ?? 'triage'}</td>
<td>${stateCell(r)}</td><td data-label="owner">${r.owner ?? '—'}</td><td data-label="open for">${timeEl(r.startedAt, 'for', now.getTime())}</td>
<td data-label="approvals waiting">${r.pendingApprovals ?? '—'}</td></tr>`,
)}
</tbody></table></div>`;
}
