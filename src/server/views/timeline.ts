import type { AuditEntry } from '../../app/audit.ts';
import { digestTimeline, humanDuration, type DigestRow, type TimelineEntry } from '../../contract/index.ts';
import { html, type Html } from '../html.ts';
import { clockEl } from './time.ts';

function digestRow(row: DigestRow): Html {
  const folded =
    row.count > 1
      ? html` <span class="folded">×${String(row.count)} over ${humanDuration(Date.parse(row.until) - Date.parse(row.at))}</span>`
      : '';
  const raw =
    row.probes || row.count > 1
      ? html`<details><summary>${row.entries.length === 1 ? 'as recorded' : `all ${row.entries.length} entries`}</summary><ul class="raw">${row.entries.map((e) => html`<li>${clockEl(e.at)} ${e.message}</li>`)}</ul></details>`
      : '';
  return html`<tr class="k-${row.kind}" data-seq="${String(row.entries[0]!.seq ?? '')}"><td>${clockEl(row.at)}</td><td>${row.kind.replace(/_/g, ' ')}</td><td>${row.text}${folded}${raw}</td></tr>`;
}

/** The timeline rows for people (see digestTimeline): also what the page's script re-fetches as entries arrive. */
export function timelineRows(timeline: TimelineEntry[]): Html {
  return html`${digestTimeline(timeline).map(digestRow)}`;
}

/** Timers fire every poll and wait: they say nothing a person needs (`runbook audit` lists every one). */
const isNoise = (entry: AuditEntry) => entry.kind === 'timer';

export function auditTable(audit: AuditEntry[]): Html {
  const shown = audit.filter((a) => !isNoise(a));
  const hidden = audit.length - shown.length;
  return html`<table id="audit"><tr><th>At</th><th>Kind</th><th>Who</th><th>What</th></tr>
${shown.map((a) => html`<tr><td>${clockEl(a.at)}</td><td>${a.kind}</td><td>${a.who ?? ''}</td><td>${a.what}</td></tr>`)}</table>
${hidden ? html`<p class="muted">${String(hidden)} timer events not shown (<code>runbook audit</code> lists every one).</p>` : ''}`;
}
