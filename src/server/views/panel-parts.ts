import { TEXT_MAX, type ApprovalRequest, type IncidentStatus } from '../../contract/index.ts';
import { html, type Html } from '../html.ts';

/**
 * A labelled text field of an action form. No maxlength: a browser cuts a longer paste silently;
 * the server refuses it saying the limit (the same TEXT_MAX), and keeps the text on its refusal page.
 */
export function textField(field: { name: string; placeholder: string; label: string; optional?: boolean }): Html {
  return html`<label class="field">${field.label}${field.optional ? ' (optional)' : ''} <input name="${field.name}" placeholder="${field.placeholder}"${field.optional ? '' : html` required`} title="up to ${String(TEXT_MAX)} characters"></label>`;
}

/** Shown by the page script when the panel changed under a form the person is typing into. */
export const panelChangedNotice = html`<div id="panel-changed" class="flash" role="status" hidden><p>This incident changed while you were typing: the step your text is for was decided or replaced.
Your text stays where it is until you choose. <button type="button">Show what changed</button></p></div>`;

/**
 * The fallback, asked while real calls failed, still pending after they succeed again: the page
 * says so beside the request, and what approving means now, instead of asking for a fix the
 * evidence overtook. Only this step: others (disabling the fallback) are asked because calls succeed.
 */
export function recoveredSinceAsked(request: ApprovalRequest, monitor: IncidentStatus['monitor']): Html {
  if (!monitor || monitor.healthyStreak < monitor.required || !/^enable-fallback(-|$)/.test(request.stepId))
    return html``;
  return html`<p class="flash recovered">Real calls succeed again since this was asked: ${String(monitor.healthyStreak)} healthy checks in a row (${String(monitor.required)} are needed to call the provider recovered).
If calls still succeed when you approve, the fallback is not enabled (it would only serve placeholders from a healthy provider) and the incident resolves; nothing changes.</p>`;
}

/** Styles of the forms and notices above, served after the console's stylesheet. */
export const FORMS_CSS = `
label.field{display:inline-flex;gap:.3em;align-items:center}
#actions form.inline{display:flex;flex-wrap:wrap;margin:.4em 0}
.limit{color:#555;font-weight:normal}
#live.signed-out{background:#fde7e9;border:1px solid #b00020;padding:.5em 1em;font-weight:600}
`;
