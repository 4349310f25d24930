import type { DrillCatalogEntry } from '../../app/console-drills.ts';
import { html, type Html } from '../html.ts';

/** The Drill page (dev mode): every built-in scenario of every runbook, each with its own start form. */
export function drillPage(catalog: DrillCatalogEntry[], csrf: string): Html {
  return html`<p>Runs a drill as <code>runbook drill</code> does, against the local stack: the runbook's API simulator playing the
scenario, a worker of its own with the record-only Kubernetes target (nothing is changed anywhere), compressed timings.
You land on the incident's page and approve its steps here, unless you let <em>drill-auto</em> approve them.</p>
${catalog.map(
  (entry) => html`<section class="drill-runbook" data-runbook="${entry.runbook}"><h2>Runbook ${entry.runbook}</h2>
<table><tr><th>Scenario</th><th>What happens</th><th>Expected cause</th><th></th></tr>
${entry.scenarios.map(
  (
    s,
  ) => html`<tr data-scenario="${s.name}"><td><strong>${s.name}</strong></td><td>${s.description}</td><td><code>${s.expectedCause}</code></td>
<td><form method="post" action="/drill" class="inline"><input type="hidden" name="_csrf" value="${csrf}">
<input type="hidden" name="runbook" value="${entry.runbook}"><input type="hidden" name="scenario" value="${s.name}">
<label><input type="checkbox" name="autoApprove" value="1"> auto-approve</label><button>Start drill</button></form></td></tr>`,
)}</table></section>`,
)}`;
}
