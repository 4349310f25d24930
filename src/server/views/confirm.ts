import { html, type Html } from '../html.ts';

export interface Confirmation {
  incidentId: string;
  /** The form's action, posted again with `confirmed=yes`. */
  action: string;
  question: string;
  consequence: string;
  confirmLabel: string;
  /** The form's fields as sent (the typed reason or comment included). */
  fields: Record<string, string>;
}

/** The confirm step of Reject and Cancel: a page of its own, so it works without any script. */
export function confirmationPage(c: Confirmation, csrf: string): Html {
  const back = `/incidents/${encodeURIComponent(c.incidentId)}`;
  return html`<section id="confirm" class="flash"><p><strong>${c.question}</strong></p><p>${c.consequence}</p>
<form method="post" action="${c.action}" class="inline"><input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="confirmed" value="yes">
${Object.entries(c.fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
<button>${c.confirmLabel}</button></form> <a href="${back}" id="confirm-back">No, back to the incident</a></section>`;
}
