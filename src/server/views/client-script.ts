import { PANEL_JS } from './panel-script.ts';

/**
 * The only script the console serves (CSP allows no inline script): the incident page follows its
 * incident over server-sent events — timeline rows are appended, and the status panel (approvals,
 * changes, actions) is re-fetched as a server-rendered fragment when the state changes, and a
 * `temporal` event shows that the console lost (or regained) its Temporal server.
 */
export const CONSOLE_JS = `
(() => {
  const live = document.getElementById('live');
  if (!live || !live.dataset.incident || !window.EventSource) return;
  const id = live.dataset.incident;
${PANEL_JS}
  const rows = document.getElementById('timeline-rows');
  const events = new EventSource('/incidents/' + encodeURIComponent(id) + '/events?after=' + rows.children.length + '&seq=' + encodeURIComponent(live.dataset.seq || '0') + '&version=' + encodeURIComponent(live.dataset.version || ''));
  events.addEventListener('timeline', (e) => {
    const entry = JSON.parse(e.data);
    const tr = document.createElement('tr');
    for (const text of [entry.at.slice(11, 19), entry.kind, entry.message]) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.appendChild(td);
    }
    rows.appendChild(tr);
  });
  events.addEventListener('status', refreshPanel);
  events.addEventListener('signed-out', (e) => {
    events.close();
    signedOut(JSON.parse(e.data).message);
  });
  // The console lost (or regained) Temporal: say so on the page instead of going quietly stale.
  events.addEventListener('temporal', (e) => {
    const news = JSON.parse(e.data);
    live.textContent = news.message;
    live.setAttribute('role', 'status');
    live.className = news.up ? '' : 'lost';
  });
  events.addEventListener('closed', () => {
    events.close();
    location.reload();
  });
})();
`;
