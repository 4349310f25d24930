import { TEXT_MAX } from '../../contract/index.ts';
import { html, type Html } from '../html.ts';

export interface OpenFormChoices {
  runbooks: Array<{ id: string; causes: string[]; services: string[] }>;
  /** Selected when the form is first shown: the runbook of the catalog's first service. */
  defaultRunbook: string;
}

/** What was typed into the open form: shown again, untouched, when the console refuses it. */
export interface OpenFormValues {
  symptom?: string;
  runbook?: string;
  cause?: string;
  service?: string;
  /** Open it even though an incident for the same symptom is open. */
  another?: boolean;
}

/** How long free text may be: said beside the field, and the server refuses longer text in the same words. */
export const limitHint = html`<small class="limit">up to ${String(TEXT_MAX)} characters</small>`;

const option = (value: string, label: string, selected: string | undefined) =>
  html`<option value="${value}"${value === selected ? html` selected` : ''}>${label}</option>`;

/**
 * Open an incident: the same fields as `runbook start` (symptom, suspected cause, service). No
 * maxlength on the symptom: a browser would cut a longer paste silently; the server refuses it
 * with the limit instead, and this form comes back with the text kept.
 */
export function openIncidentForm(
  choices: OpenFormChoices,
  csrf: string,
  values: OpenFormValues = {},
  refusal?: { message: string; existingIncidentId: string | null },
): Html {
  const runbook = values.runbook ?? choices.defaultRunbook;
  const existing = refusal?.existingIncidentId;
  return html`${
    refusal
      ? html`<div class="flash error" id="refusal" role="alert"><p>Not opened: ${refusal.message}</p>
${existing ? html`<p>The open incident: <a href="/incidents/${encodeURIComponent(existing)}">${existing}</a></p>` : ''}</div>`
      : ''
  }<form method="post" action="/incidents" id="open-incident">
<input type="hidden" name="_csrf" value="${csrf}">
<p><label>Symptom ${limitHint}<br><textarea name="symptom" rows="3" cols="70" required placeholder="what people see, e.g. image generation returns 500">${values.symptom ?? ''}</textarea></label></p>
<p><label>Runbook <select name="runbook" required>${choices.runbooks.map((r) => option(r.id, r.id, runbook))}</select></label></p>
<p><label>Suspected cause (optional) <select name="cause">${option('', 'let triage decide', values.cause)}
${choices.runbooks.flatMap((r) => r.causes.map((c) => option(c, `${c} (${r.id})`, values.cause)))}</select></label></p>
<p><label>Service <select name="service">${option('', "the runbook's only service", values.service)}
${choices.runbooks.flatMap((r) => r.services.map((name) => option(name, `${name} (${r.id})`, values.service)))}</select></label></p>
${existing ? html`<p><label><input type="checkbox" name="another" value="yes"${values.another ? html` checked` : ''}> open another anyway</label></p>` : ''}
<p><button>Open the incident</button></p></form>`;
}

export function loginPage(options: { oidc: boolean; failed: boolean; ended: boolean; next: string | null }): Html {
  const why = options.failed
    ? 'That login link is unknown, used or expired.'
    : options.ended
      ? 'Your session has ended (you signed out, or it expired). Sign in again to continue.'
      : options.next
        ? 'That page needs you to be signed in.'
        : null;
  return html`${why ? html`<p class="flash" id="why-sign-in">${why}</p>` : ''}
${
  options.oidc
    ? html`<p><a href="/auth/oidc" id="oidc-login">Sign in with your identity provider</a></p>`
    : html`<p>This console runs in local mode: open the one-time login link that <code>runbook serve</code> or <code>runbook dev</code> printed.
A used or expired link does not work again: <code>runbook login-link</code> prints a new one.</p>`
}`;
}
