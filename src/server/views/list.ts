import { html, type Html } from '../html.ts';

export interface ListRow {
  incidentId: string;
  status: string;
  state: string | null;
  severity: string | null;
  cause: string | null;
  owner: string | null;
  startedAt: string;
  pendingApprovals: number | null;
}

export interface ListFilters {
  state?: string;
  severity?: string;
  all: boolean;
}

function age(startedAt: string, now: Date): string {
  const minutes = Math.max(0, Math.round((now.getTime() - Date.parse(startedAt)) / 60_000));
  return minutes < 120 ? `${minutes} min` : `${Math.round(minutes / 60)} h`;
}

const STATES = ['', 'investigating', 'blocked', 'awaiting_approval', 'mitigating', 'mitigated', 'monitoring', 'reverting', 'resolved', 'closed', 'cancelled', 'failed'];
const SEVERITIES = ['', 'P1', 'P2', 'P3', 'P4'];

function options(values: string[], selected: string | undefined): Html[] {
  return values.map((v) => html`<option value="${v}" ${v === (selected ?? '') ? html`selected` : ''}>${v || 'any'}</option>`);
}

export function incidentList(rows: ListRow[], filters: ListFilters, now = new Date()): Html {
  return html`<form method="get" action="/" class="inline">
<label>State <select name="state">${options(STATES, filters.state)}</select></label>
<label>Severity <select name="severity">${options(SEVERITIES, filters.severity)}</select></label>
<label><input type="checkbox" name="all" value="1" ${filters.all ? html`checked` : ''}> include closed</label>
<button>Filter</button></form>
<table id="incidents"><thead><tr><th>Incident</th><th>Severity</th><th>Cause</th><th>State</th><th>Owner</th><th>Age</th><th>Pending approvals</th></tr></thead><tbody>
${rows.length === 0 ? html`<tr><td colspan="7">No incidents match.</td></tr>` : ''}
${rows.map(
  (r) => html`<tr><td><a href="/incidents/${encodeURIComponent(r.incidentId)}">${r.incidentId}</a></td>
<td class="sev-${r.severity ?? ''}">${r.severity ?? '—'}</td><td>${r.cause ?? 'triage'}</td>
<td>${r.state ?? r.status.toLowerCase()}</td><td>${r.owner ?? '—'}</td><td>${age(r.startedAt, now)}</td>
<td>${r.pendingApprovals ?? '—'}</td></tr>`,
)}
</tbody></table>`;
}
