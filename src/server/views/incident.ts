import type { AuditEntry } from '../../app/audit.ts';
import { actionContextOf, actionRule, describeRunbookDocument, offeredActions, revertWarning, type ApprovalRequest, type IncidentStatus, type TimelineEntry } from '../../contract/index.ts';
import { html, type Html } from '../html.ts';
import { hasRole, type ConsoleIdentity } from '../identity.ts';
import { renderMarkdown } from './markdown.ts';
import { panelVersion } from './panel-version.ts';

export interface IncidentView {
  status: IncidentStatus;
  running: boolean;
  timeline: TimelineEntry[];
  postmortem: { markdown: string; final: boolean };
  audit: AuditEntry[];
}

const csrfField = (csrf: string) => html`<input type="hidden" name="_csrf" value="${csrf}">`;

function actionForm(id: string, action: string, label: string, csrf: string, text?: { name: string; placeholder: string }): Html {
  return html`<form method="post" action="/incidents/${encodeURIComponent(id)}/${action}" class="inline">${csrfField(csrf)}
${text ? html`<input name="${text.name}" placeholder="${text.placeholder}" required maxlength="2000">` : ''}<button>${label}</button></form>`;
}

function approval(id: string, request: ApprovalRequest, identity: ConsoleIdentity, csrf: string): Html {
  const decided = request.decisions.map((d) => `${d.decision} by ${d.by}`).join(', ');
  // Viewers and responders see what is asked, but no button that would only be refused.
  const buttons = hasRole(identity, 'approver')
    ? html`<form method="post" action="/incidents/${encodeURIComponent(id)}/decide" class="inline approval">${csrfField(csrf)}
<input type="hidden" name="step" value="${request.stepId}"><input name="comment" placeholder="comment (optional)" maxlength="2000">
<button name="decision" value="approved">Approve</button><button name="decision" value="rejected">Reject</button></form>`
    : html`<p><em>Only approvers can decide this step.</em></p>`;
  return html`<div class="pending" data-step="${request.stepId}"><h3>${request.stepId}</h3><p>${request.description}</p>
${request.kubectl ? html`<pre>${request.kubectl}</pre>` : ''}
<p>Needs ${request.required} approval(s); deadline ${request.deadline}${decided ? html`; so far: ${decided}` : ''}</p>${buttons}</div>`;
}

/** The part of the page that changes with the state: re-fetched live by the page's script. */
export function incidentPanel(view: Pick<IncidentView, 'status' | 'running'>, identity: ConsoleIdentity, csrf: string): Html {
  const s = view.status;
  const id = s.incidentId;
  const responder = hasRole(identity, 'responder') && view.running;
  return html`<section class="header"><p><strong class="sev-${s.severity ?? ''}">${s.severity ?? 'P?'}</strong> ${s.cause ?? 'triage in progress'} — <strong id="state">${s.state}</strong> (${s.communicationStatus})</p>
${s.rationale ? html`<p class="rationale">${s.rationale}</p>` : ''}
<p>Owner: ${s.owner ?? 'nobody yet'}${s.acknowledged ? ' (acknowledged)' : ''} · open since ${s.startedAt} · next stakeholder update due ${s.nextUpdateAt ?? '—'}</p>
${s.runbookDocument ? html`<p class="runbook-document">Runbook document ${describeRunbookDocument(s.runbookDocument)}</p>` : ''}
${s.monitor ? html`<p>Monitoring: provider healthy ${s.monitor.healthyStreak}/${s.monitor.required} checks (poll ${s.monitor.polls})</p>` : ''}
${s.blocker ? html`<p class="flash">Blocked: ${s.blocker}</p>` : ''}</section>
${responder && s.state === 'needs_human' ? handedOver(s, identity, csrf) : ''}
<section id="approvals"><h2>Pending approvals</h2>${s.pendingApprovals.length ? s.pendingApprovals.map((r) => approval(id, r, identity, csrf)) : html`<p>None.</p>`}</section>
<section id="changes"><h2>Changes</h2>${s.mutations.length
    ? html`<table><tr><th>Target</th><th>Change</th><th>kubectl</th><th>Revert</th></tr>${s.mutations.map(
        (m) => html`<tr><td>${m.target}</td><td>${m.change}${m.mode === 'applied' ? '' : html` <em>(${m.mode})</em>`}</td><td><code>${m.kubectl}</code></td>
<td>${m.revertedAt ? `reverted ${m.revertedAt}` : m.keptBecause ? `kept: ${m.keptBecause}` : 'in place'}</td></tr>`,
      )}</table>`
    : html`<p>No change made.</p>`}</section>
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
  return html`<section id="needs-human" class="flash"><h2>A human owns this incident</h2><p><strong>Why:</strong> ${s.handedOver?.reason ?? 'the fix did not take'} <small>(since ${s.handedOver?.at ?? '—'})</small></p>
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
${offered.includes('acknowledge') ? actionForm(id, 'ack', 'Acknowledge', csrf) : ''}${offered.includes('note') ? actionForm(id, 'note', 'Add note', csrf, { name: 'text', placeholder: 'note' }) : ''}
${offered.includes('root_cause') ? actionForm(id, 'root-cause', 'Set root cause', csrf, { name: 'text', placeholder: 'root cause' }) : ''}
${offered.includes('resolve') || offered.includes('cancel') ? html`<p class="warning">Resolve or cancel: ${warning}</p>` : ''}
${offered.includes('resolve') ? actionForm(id, 'resolve', 'Resolve', csrf, { name: 'reason', placeholder: 'why it is resolved' }) : ''}
${offered.includes('cancel') ? actionForm(id, 'cancel', 'Cancel', csrf, { name: 'reason', placeholder: 'why cancel' }) : ''}</section>`;
}

function timelineRow(entry: TimelineEntry): Html {
  return html`<tr><td>${entry.at.slice(11, 19)}</td><td>${entry.kind}</td><td>${entry.message}</td></tr>`;
}

export function incidentPage(view: IncidentView, identity: ConsoleIdentity, csrf: string): Html {
  const id = view.status.incidentId;
  return html`<div id="live" data-incident="${view.running ? id : ''}" data-version="${panelVersion(view.status)}" data-seq="${String(view.timeline.at(-1)?.seq ?? 0)}"></div>
<div id="panel">${incidentPanel(view, identity, csrf)}</div>
<section><h2>Timeline</h2><table class="timeline"><tbody id="timeline-rows">${view.timeline.map(timelineRow)}</tbody></table></section>
<section><h2>Postmortem${view.postmortem.final ? '' : ' (draft)'}</h2><article id="postmortem" class="markdown">${renderMarkdown(view.postmortem.markdown)}</article></section>
<section><h2>Audit trail</h2><table id="audit"><tr><th>At</th><th>Kind</th><th>Who</th><th>What</th></tr>
${view.audit.map((a) => html`<tr><td>${a.at}</td><td>${a.kind}</td><td>${a.who ?? ''}</td><td>${a.what}</td></tr>`)}</table></section>`;
}
