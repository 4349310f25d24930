import { actionContextOf, actionRule, type ApprovalRequest, type IncidentStatus } from '../../contract/index.ts';
import { html, type Html } from '../html.ts';

/**
 * A step waiting for a secret reference: where the new secret lives, chosen among the references
 * the service catalog allows — never the secret itself. The same signal as `runbook provide-secret`.
 * Exact references are offered as choices; a pattern (env:NEW_*) takes a name that matches it.
 */
export function secretRefForm(
  id: string,
  request: Pick<ApprovalRequest, 'stepId'> | null,
  allowed: string[],
  csrf: string,
): Html {
  const exact = allowed.filter((p) => !p.includes('*'));
  const patterns = allowed.filter((p) => p.includes('*'));
  if (!allowed.length)
    return html`<p class="flash">This service's catalog entry allows no secret reference (allowedSecretRefs): nothing can be handed over here.</p>`;
  return html`<form method="post" action="/incidents/${encodeURIComponent(id)}/secret-ref" class="secret-ref"><input type="hidden" name="_csrf" value="${csrf}">
${request ? html`<input type="hidden" name="step" value="${request.stepId}">` : ''}
<p>Hand over <strong>where</strong> the new secret lives (a reference the catalog allows), never the secret itself.</p>
${exact.length ? html`<p><label>Allowed reference <select name="ref">${patterns.length ? html`<option value="">— or name one below —</option>` : ''}${exact.map((r) => html`<option value="${r}">${r}</option>`)}</select></label></p>` : ''}
${patterns.length ? html`<p><label>Reference matching ${patterns.join(' or ')} <input name="otherRef" placeholder="${patterns[0]!.replace('*', 'NAME')}" autocomplete="off"></label></p>` : ''}
<p><button>Hand over the reference</button></p></form>`;
}

/**
 * Blocked (the probes cannot read their key) or handed to a human: a reference is taken without a
 * request waiting for one (the action table says so); the form sits beside the reason.
 */
export function handOverWithoutRequest(id: string, status: IncidentStatus, allowed: string[], csrf: string): Html {
  const context = actionContextOf(status.pendingApprovals, status.mutations);
  const waiting = status.pendingApprovals.some((a) => a.awaits === 'secret-ref');
  const rule = actionRule(status.state, 'provide_secret', context);
  if (waiting || !rule.allowed || (status.state !== 'blocked' && status.state !== 'needs_human')) return html``;
  return html`<section id="hand-over"><h2>Hand over a key reference</h2><p>${rule.does}.</p>${secretRefForm(id, null, allowed, csrf)}</section>`;
}

/** The incident's workflow in Temporal's Web UI; nothing when RUNBOOK_TEMPORAL_UI_URL is unset. */
export function temporalUiLink(url: string | null): Html {
  return url
    ? html`<p class="temporal-ui"><a href="${url}" id="temporal-ui" rel="noopener noreferrer">Open this incident in Temporal's Web UI</a></p>`
    : html``;
}
