import { humanDuration } from '../../contract/index.ts';
import { html, type Html } from '../html.ts';

/** How a `<time>` reads: `ago` (3 min ago), `in` (a deadline: in 4 min, or 2 min overdue), `for` (an elapsed span: 12 min). */
export type Relative = 'ago' | 'in' | 'for';

/**
 * The words for a moment relative to now. The page's script runs this same function (its source is
 * served in console.js) to keep every `<time>` counting in the browser: one wording, server and
 * client. It names nothing outside itself (the served source must stand alone): `duration` is
 * humanDuration, passed in.
 */
export function relativeText(rel: string, iso: string, nowMs: number, duration: (ms: number) => string): string {
  const delta = Date.parse(iso) - nowMs;
  if (rel === 'in') return delta >= 0 ? `in ${duration(delta)}` : `${duration(-delta)} overdue`;
  if (rel === 'for') return duration(-delta);
  return -delta < 45_000 ? 'just now' : `${duration(-delta)} ago`;
}

/** `2026-11-25 10:00:02 UTC`: the absolute time until the browser shows it in the viewer's own zone. */
export const utcText = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;

/**
 * A moment on the page: relative words, the absolute time on hover (and for screen readers in
 * `datetime`). The script re-renders both in the viewer's time zone and keeps them counting.
 */
export function timeEl(iso: string, rel: Relative, now: number): Html {
  return html`<time datetime="${iso}" data-rel="${rel}" title="${utcText(iso)}">${relativeText(rel, iso, now, humanDuration)}</time>`;
}

/** A clock time for a table cell (`10:00:02`), absolute on hover; the script shows it in the viewer's zone. */
export function clockEl(iso: string): Html {
  return html`<time datetime="${iso}" data-rel="clock" title="${utcText(iso)}">${iso.slice(11, 19)} UTC</time>`;
}
