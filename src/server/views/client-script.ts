import { humanDuration } from '../../contract/index.ts';
import { PANEL_JS } from './panel-script.ts';
import { relativeText } from './time.ts';

/**
 * The only script the console serves (CSP allows no inline script). Every `<time>` shows its
 * moment in the viewer's own time zone on hover and keeps its relative words counting (with the
 * server's own wording functions, served here as their source). The incident page follows its
 * incident over server-sent events: the timeline and the status panel (approvals, changes,
 * actions) are re-fetched as server-rendered fragments when they change, and a `temporal` event
 * shows that the console lost (or regained) its Temporal server.
 */
export const CONSOLE_JS = `
(() => {
  ${humanDuration.toString()}
  ${relativeText.toString()}
  const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'long' });
  const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short' });
  const renderTimes = (root) => {
    for (const el of root.querySelectorAll('time[data-rel]')) {
      const when = new Date(el.dateTime);
      if (Number.isNaN(when.getTime())) continue;
      el.title = absolute.format(when);
      el.textContent = el.dataset.rel === 'clock' ? clock.format(when) : relativeText(el.dataset.rel, el.dateTime, Date.now(), humanDuration);
    }
  };
  renderTimes(document);
  setInterval(() => renderTimes(document), 15000);

  const live = document.getElementById('live');
  if (!live || !live.dataset.incident || !window.EventSource) return;
  const id = live.dataset.incident;
${PANEL_JS}
  const base = '/incidents/' + encodeURIComponent(id);
  const rows = document.getElementById('timeline-rows');
  const events = new EventSource(base + '/events?after=' + encodeURIComponent(live.dataset.count || '0') + '&seq=' + encodeURIComponent(live.dataset.seq || '0') + '&version=' + encodeURIComponent(live.dataset.version || ''));
  // New entries may fold into a row already shown: the server renders the rows again, and a row
  // someone opened stays open.
  let fetching = false;
  let dirty = false;
  const refreshTimeline = async () => {
    if (fetching) {
      dirty = true;
      return;
    }
    fetching = true;
    try {
      do {
        dirty = false;
        const response = await fetch(base + '/timeline', { credentials: 'same-origin' });
        if (!response.ok || response.redirected) break;
        const open = [...rows.querySelectorAll('details[open]')].map((d) => d.closest('tr').dataset.seq);
        rows.innerHTML = await response.text();
        for (const seq of open) rows.querySelector('tr[data-seq="' + seq + '"] details')?.setAttribute('open', '');
        renderTimes(rows);
      } while (dirty);
    } finally {
      fetching = false;
    }
  };
  events.addEventListener('timeline', () => void refreshTimeline());
  events.addEventListener('status', async () => {
    await refreshPanel();
    renderTimes(document.getElementById('panel'));
  });
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
