import { html, type Html } from '../html.ts';
import { limitHint } from './forms.ts';

/** Fields people type into; every other field of a form is the form's own (hidden) state. */
const TYPED = new Set(['text', 'reason', 'comment', 'symptom']);

/**
 * A refused form, kept: what the person typed is shown again in an editable field, with the same
 * hidden fields, so it can be sent again (or copied) instead of being lost with the page.
 */
export function keptForm(action: string, body: Record<string, unknown>, csrf: string, incidentId: string | null): Html {
  const fields = Object.entries(body).filter(
    (entry): entry is [string, string] =>
      typeof entry[1] === 'string' && entry[0] !== '_csrf' && entry[0] !== 'confirmed',
  );
  const typed = fields.filter(([name]) => TYPED.has(name));
  const hidden = fields.filter(([name]) => !TYPED.has(name));
  return html`<section id="kept-form"><h2>What you sent, kept</h2>
<form method="post" action="${action}"><input type="hidden" name="_csrf" value="${csrf}">
${hidden.map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
${typed.map(([name, value]) => html`<p><label>${name} ${limitHint}<br><textarea name="${name}" rows="3" cols="70">${value}</textarea></label></p>`)}
<p><button>Send again</button>${incidentId ? html` <a href="/incidents/${encodeURIComponent(incidentId)}">Back to the incident</a>` : ''}</p></form></section>`;
}
