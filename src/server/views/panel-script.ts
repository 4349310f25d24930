/**
 * The part of the console's script that keeps people's typing: the status panel (approval forms,
 * actions) is re-rendered when the incident changes, and a half-typed comment must survive it.
 * Typed values move into the same form of the new panel (same action, step and request); if that
 * form is gone (its step was decided or replaced) the panel is not swapped under the person's hands:
 * a notice says what changed, and they choose when to see it. Runs inside the page script's scope.
 */
export const PANEL_JS = `
  const formKey = (form) => [form.getAttribute('action'), form.elements.step ? form.elements.step.value : '', form.elements.requestedAt ? form.elements.requestedAt.value : ''].join('|');
  const typedFields = (root) => [...root.querySelectorAll('form input:not([type=hidden]), form textarea')].filter((field) => field.value && field.form);
  const fieldIn = (root, key, name) => {
    for (const form of root.querySelectorAll('form')) if (formKey(form) === key && form.elements[name]) return form.elements[name];
    return null;
  };
  const swapPanel = (panel, next) => {
    const focused = document.activeElement && panel.contains(document.activeElement) ? document.activeElement : null;
    const typed = typedFields(panel).map((field) => ({ key: formKey(field.form), name: field.name, value: field.value, focused: field === focused, start: field.selectionStart, end: field.selectionEnd }));
    if (typed.some((t) => !fieldIn(next, t.key, t.name))) {
      const notice = document.getElementById('panel-changed');
      notice.hidden = false;
      notice.querySelector('button').onclick = () => {
        notice.hidden = true;
        panel.replaceChildren(...next.childNodes);
      };
      return;
    }
    panel.replaceChildren(...next.childNodes);
    for (const t of typed) {
      const field = fieldIn(panel, t.key, t.name);
      field.value = t.value;
      if (t.focused) {
        field.focus();
        if (t.start !== null) field.setSelectionRange(t.start, t.end);
      }
    }
  };
  const refreshPanel = async () => {
    const response = await fetch('/incidents/' + encodeURIComponent(id) + '/panel', { credentials: 'same-origin' });
    // A session that ended meanwhile is answered with the sign-in page: never swap that in.
    if (!response.ok || response.redirected) return;
    const next = document.createElement('div');
    next.innerHTML = await response.text();
    swapPanel(document.getElementById('panel'), next);
  };
  // Signed out (in this tab or another) or expired: no button stays that would only be refused.
  const signedOut = (message) => {
    live.textContent = message + ' ';
    const link = document.createElement('a');
    link.href = '/login?ended=1';
    link.textContent = 'Sign in';
    live.appendChild(link);
    live.setAttribute('role', 'status');
    live.className = 'lost signed-out';
    for (const form of document.querySelectorAll('#panel form')) form.remove();
  };
`;
