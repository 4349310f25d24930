import { html, type Html } from '../html.ts';

export interface OpenFormChoices {
  runbooks: Array<{ id: string; causes: string[]; services: string[] }>;
}

/** Open an incident: the same fields as `runbook start` (symptom, suspected cause, service). */
export function openIncidentForm(choices: OpenFormChoices, csrf: string): Html {
  return html`<form method="post" action="/incidents" id="open-incident">
<input type="hidden" name="_csrf" value="${csrf}">
<p><label>Symptom<br><textarea name="symptom" rows="3" cols="70" maxlength="2000" required placeholder="what people see, e.g. image generation returns 500"></textarea></label></p>
<p><label>Runbook <select name="runbook">${choices.runbooks.map((r) => html`<option>${r.id}</option>`)}</select></label></p>
<p><label>Suspected cause (optional) <select name="cause"><option value="">let triage decide</option>
${choices.runbooks.flatMap((r) => r.causes.map((c) => html`<option value="${c}">${c} (${r.id})</option>`))}</select></label></p>
<p><label>Service <select name="service"><option value="">the runbook's only service</option>
${choices.runbooks.flatMap((r) => r.services.map((name) => html`<option value="${name}">${name} (${r.id})</option>`))}</select></label></p>
<p><button>Open the incident</button></p></form>`;
}

export function loginPage(oidc: boolean, failed: boolean): Html {
  return html`${failed ? html`<p class="flash">That login link is unknown, used or expired.</p>` : ''}
${oidc
    ? html`<p><a href="/auth/oidc" id="oidc-login">Sign in with your identity provider</a></p>`
    : html`<p>This console runs in local mode: open the one-time login link that <code>runbook serve</code> or <code>runbook dev</code> printed.</p>`}`;
}
