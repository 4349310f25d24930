import type { AuditEntry } from '../../app/audit.ts';
import {
  actionContextOf,
  actionRule,
  describeRunbookDocument,
  offeredActions,
  revertWarning,
  type ApprovalRequest,
  type IncidentStatus,
  type TimelineEntry,
} from '../../contract/index.ts';
import { html, type Html } from '../html.ts';
import { hasRole, type ConsoleIdentity } from '../identity.ts';
import { renderMarkdown } from './markdown.ts';
import { panelVersion } from './panel-version.ts';
import { panelChangedNotice, recoveredSinceAsked, textField } from './panel-parts.ts';
import { handOverWithoutRequest, secretRefForm, temporalUiLink } from './secret-ref.ts';
import { incidentFacts, incidentHeader } from './state-header.ts';
import { timeEl } from './time.ts';
import { auditTable, timelineRows } from './timeline.ts';

export interface IncidentView {
  status: IncidentStatus;
  running: boolean;
  timeline: TimelineEntry[];
  postmortem: { markdown: string; final: boolean };
  audit: AuditEntry[];
  /** The references the catalog allows the incident's service to be handed (patterns such as env:NEW_*). */
  allowedSecretRefs?: string[];
  /** The incident in Temporal's Web UI; null when RUNBOOK_TEMPORAL_UI_URL is unset. */
  temporalUiUrl?: string | null;
}

const csrfField = (csrf: string) => html`<input type="hidden" name="_csrf" value="${csrf}">`;

function actionForm(
  id: string,
  action: string,
  label: string,
  csrf: string,
  text?: { name: string; placeholder: string; label: string },
): Html {
  return html`<form method="post" action="/incidents/${encodeURIComponent(id)}/${action}" class="inline">${csrfField(csrf)}
${text ? textField(text) : ''}<button>${label}</button></form>`;
}

function approval(
  id: string,
  request: ApprovalRequest,
  identity: ConsoleIdentity,
  csrf: string,
  allowedSecretRefs: string[],
  monitor: IncidentStatus['monitor'],
  now: number,
): Html {
  const decided = request.decisions.map((d) => `${d.decision} by ${d.by}`).join(', ');
  // Viewers and responders see what is asked, but no button that would only be refused.
  const buttons =
    request.awaits === 'secret-ref' && hasRole(identity, 'responder')
      ? secretRefForm(id, request, allowedSecretRefs, csrf)
      : hasRole(identity, 'approver')
        ? html`<form method="post" action="/incidents/${encodeURIComponent(id)}/decide" class="inline approval">${csrfField(csrf)}
<input type="hidden" name="step" value="${request.stepId}"><input type="hidden" name="requestedAt" value="${request.requestedAt}">${textField({ name: 'comment', placeholder: 'comment (optional)', label: 'Comment', optional: true })}
<button name="decision" value="approved">Approve</button><button name="decision" value="rejected">Reject</button></form>`
        : html`<p><em>Only approvers can decide this step.</em></p>`;
  return html`<div class="pending" data-step="${request.stepId}"><h3>${request.stepId}</h3><p>${request.description}</p>
${request.kubectl ? html`<pre>${request.kubectl}</pre>` : ''}${recoveredSinceAsked(request, monitor)}
<p>Needs ${request.required} approval(s); deadline ${timeEl(request.deadline, 'in', now)}${decided ? html`; so far: ${decided}` : ''}</p>${buttons}</div>`;
}

/** The part of the page that changes with the state: re-fetched live by the page's script. */
export function incidentPanel(
  view: Pick<IncidentView, 'status' | 'running' | 'allowedSecretRefs'>,
  identity: ConsoleIdentity,
  csrf: string,
  now = Date.now(),
): Html {
  const s = view.status;
  const id = s.incidentId;
  const responder = hasRole(identity, 'responder') && view.running;
  // The pending action comes right under the header: on a phone it is on the first screen.
  return html`${incidentHeader(s, now)}
${s.runbookDocument ? html`<p class="runbook-document">Runbook document ${describeRunbookDocument(s.runbookDocument)}</p>` : ''}
${responder && s.state === 'needs_human' ? handedOver(s, identity, csrf) : ''}
${responder ? handOverWithoutRequest(id, s, view.allowedSecretRefs ?? [], csrf) : ''}
<section id="approvals"><h2>Pending approvals</h2>${s.pendingApprovals.length ? s.pendingApprovals.map((r) => approval(id, r, identity, csrf, view.allowedSecretRefs ?? [], s.monitor, now)) : html`<p>None.</p>`}</section>
${incidentFacts(s, now)}
<section id="changes"><h2>Changes</h2>${
    s.mutations.length
      ? html`<table><tr><th>Target</th><th>Change</th><th>kubectl</th><th>Revert</th></tr>${s.mutations.map(
          (
            m,
          ) => html`<tr><td>${m.target}</td><td>${m.change}${m.mode === 'applied' ? '' : html` <em>(${m.mode})</em>`}</td><td><code>${m.kubectl}</code></td>
<td>${m.revertedAt ? html`reverted ${timeEl(m.revertedAt, 'ago', now)}` : m.keptBecause ? `kept: ${m.keptBecause}` : 'in place'}</td></tr>`,
        )}</table>`
      : html`<p>No change made.</p>`
  }</section>
${responder ? actions(s, identity, csrf) : ''}`;
}

/**
 * A human owns the incident: why, and the choices the action table offers. First on the page,
 * under the header: whoever opens it was paged for exactly this.
 */
function handedOver(s: IncidentStatus, identity: ConsoleIdentity, csrf: string): Html {
  const id = s.incidentId;
  const context = actionContextOf(s.pendingApprovals, s.mutations);
  const verify = actionRule(s.state, 'verify_again', context);
  const inPlace = s.mutations.filter((m) => !m.revertedAt && m.op.kind !== 'rollout-restart');
  const revert = (step: string, change: string, protective: boolean) =>
    html`<div><form method="post" action="/incidents/${encodeURIComponent(id)}/revert" class="inline revert">${csrfField(csrf)}<input type="hidden" name="step" value="${step}">
<button>Revert ${change}</button> <span>${protective ? html`<strong>shields users: once it is reverted, they get errors if the provider still fails</strong>` : 'goes back to its recorded prior value'}</span></form></div>`;
  return html`<section id="needs-human" class="flash"><h2>A human owns this incident</h2><p><strong>Why:</strong> ${s.handedOver?.reason ?? 'the fix did not take'} <small>${s.handedOver ? html`(since ${timeEl(s.handedOver.at, 'ago', Date.now())})` : ''}</small></p>
<p>Every change stays in place; real calls keep being watched, and the plan resumes by itself if they succeed. Choose:</p>
${verify.allowed ? html`<div>${actionForm(id, 'verify', 'Verify again', csrf)} <span>${verify.does}</span></div>` : ''}
${hasRole(identity, 'approver') ? inPlace.map((m) => revert(m.step, m.change, m.purpose === 'protective')) : inPlace.length ? html`<p><em>Only approvers can revert a change.</em></p>` : ''}
<p>Resolve or cancel under <a href="#actions">Act</a>: ${revertWarning(s.mutations)}</p></section>`;
}

function actions(s: IncidentStatus, identity: ConsoleIdentity, csrf: string): Html {
  const id = s.incidentId;
  const offered = offeredActions(s.state, actionContextOf(s.pendingApprovals, s.mutations));
  const warning = revertWarning(s.mutations);
  return html`<section id="actions"><h2>Act</h2>
${offered.includes('acknowledge') ? actionForm(id, 'ack', 'Acknowledge', csrf) : ''}${offered.includes('note') ? actionForm(id, 'note', 'Add note', csrf, { name: 'text', placeholder: 'note', label: 'Note' }) : ''}
${offered.includes('root_cause') ? actionForm(id, 'root-cause', 'Set root cause', csrf, { name: 'text', placeholder: 'root cause', label: 'Root cause' }) : ''}
${offered.includes('resolve') || offered.includes('cancel') ? html`<p class="warning">Resolve or cancel: ${warning}</p>` : ''}
${offered.includes('resolve') ? actionForm(id, 'resolve', 'Resolve', csrf, { name: 'reason', placeholder: 'why it is resolved', label: 'Why resolved' }) : ''}
${offered.includes('cancel') ? actionForm(id, 'cancel', 'Cancel', csrf, { name: 'reason', placeholder: 'why cancel', label: 'Why cancel' }) : ''}</section>`;
}

export function incidentPage(view: IncidentView, identity: ConsoleIdentity, csrf: string, now = Date.now()): Html {
  const id = view.status.incidentId;
  return html`<div id="live" data-incident="${view.running ? id : ''}" data-version="${panelVersion(view.status)}" data-seq="${String(view.timeline.at(-1)?.seq ?? 0)}" data-count="${String(view.timeline.length)}"></div>
${temporalUiLink(view.temporalUiUrl ?? null)}${panelChangedNotice}<div id="panel">${incidentPanel(view, identity, csrf, now)}</div>
<section id="timeline"><h2>Timeline</h2><p class="muted">One row per probe round; identical rounds are folded, their probes under each row.</p><table class="timeline"><tbody id="timeline-rows">${timelineRows(view.timeline)}</tbody></table></section>
<section><h2>Postmortem${view.postmortem.final ? '' : ' (draft)'}</h2><article id="postmortem" class="markdown">${renderMarkdown(view.postmortem.markdown)}</article></section>
<section><h2>Audit trail</h2>${auditTable(view.audit)}</section>`;
}
