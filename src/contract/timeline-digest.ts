import type { TimelineEntry, TimelineKind } from './incident.ts';

/**
 * The timeline as people read it. Probes answer in rounds (every probe of a round is recorded at
 * the same workflow time), and a round that says what the one before it said adds nothing but
 * length: one row per round summarises it ("legacy_generate, v3_generate: HTTP 503 · status_page:
 * major"), and consecutive rows that say the same fold into one with a count and a time span. The
 * raw entries stay with their row, for whoever wants to see every probe. Pure: the console, the
 * CLI and the postmortem (rendered inside the workflow) share it.
 */
export interface DigestRow {
  /** When the first entry of the row was recorded. */
  at: string;
  /** When the last one was (equal to `at` for a single entry or round). */
  until: string;
  kind: TimelineKind;
  text: string;
  /** Rounds (or identical entries) folded into this row: 1 for a row that stands alone. */
  count: number;
  /** A row that summarises probe results. */
  probes: boolean;
  /** The entries behind the row, in order. */
  entries: TimelineEntry[];
}

interface ResultShape {
  probe: string;
  ok: boolean;
  httpStatus?: number | null;
  errorKind?: string | null;
  extractedField?: string;
  source?: string;
}

const isResult = (value: unknown): value is ResultShape =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as ResultShape).probe === 'string' &&
  typeof (value as ResultShape).ok === 'boolean';

/** The probe results an entry carries: one (a triage or confirmation probe) or a round (a real check). */
function resultsOf(entry: TimelineEntry): ResultShape[] {
  const data = entry.data as { results?: unknown } | undefined;
  if (isResult(data)) return [data];
  if (data && Array.isArray(data.results)) return data.results.filter(isResult);
  return [];
}

/** What one probe showed, in the fewest words: `HTTP 503`, `timeout`, `not run`, `ok`, or the field it read (`major`). */
function outcome(r: ResultShape): string {
  if (r.source === 'self') return 'not run';
  if (r.ok) return r.extractedField ?? 'ok';
  if (r.httpStatus != null) return `HTTP ${r.httpStatus}${r.errorKind ? ` ${r.errorKind}` : ''}`;
  return r.errorKind ?? 'failed';
}

/** `legacy_generate, v3_generate: HTTP 503 · dns: ok`: failures first, then what was read, then what passed. */
export function summariseResults(results: readonly ResultShape[]): string {
  const groups = new Map<string, { failed: boolean; probes: string[] }>();
  for (const r of results) {
    const key = outcome(r);
    const group = groups.get(key) ?? { failed: !r.ok, probes: [] };
    if (!group.probes.includes(r.probe)) group.probes.push(r.probe);
    groups.set(key, group);
  }
  const rank = (key: string, failed: boolean) =>
    failed && key !== 'not run' ? 0 : key === 'ok' ? 2 : key === 'not run' ? 3 : 1;
  return [...groups.entries()]
    .map(([key, g], order) => ({ text: `${g.probes.join(', ')}: ${key}`, rank: rank(key, g.failed), order }))
    .sort((a, b) => a.rank - b.rank || a.order - b.order)
    .map((g) => g.text)
    .join(' · ');
}

/** The engine's `healthy 4/3` as people count: `healthy, 4 in a row (3 needed)`. */
function streakWords(verdict: string | null): string | null {
  const streak = verdict && /^healthy (\d+)\/(\d+)$/.exec(verdict);
  if (!streak) return verdict;
  return `healthy, ${healthText({ healthyStreak: Number(streak[1]), required: Number(streak[2]) }).replace(' healthy checks', '')}`;
}

interface RoundKind {
  label: string;
  /** The verdict the engine recorded with the round ("still failing", "healthy 2/3"), if any. */
  verdict(message: string): string | null;
}

const ROUND_KINDS: Array<{ pattern: RegExp; kind: RoundKind }> = [
  { pattern: /^confirmation \d+: /, kind: { label: 'Confirmation', verdict: () => null } },
  {
    pattern: /^real check \d+: /,
    kind: { label: 'Real check', verdict: (m) => streakWords(/^real check \d+: ([^(]+?) \(/.exec(m)?.[1] ?? null) },
  },
];

/** Entries whose message already is the summary (a hint that changed, a monitor poll, a verification): the counter goes, the rest stays. */
const withoutCounter = (message: string) => message.replace(/^monitor poll \d+ /, 'monitor poll ');

function roundText(entries: TimelineEntry[]): string {
  const first = entries[0]!;
  const found = ROUND_KINDS.find((k) => k.pattern.test(first.message));
  const results = entries.flatMap(resultsOf);
  if (found && results.length > 0) {
    const verdict = found.kind.verdict(first.message);
    return `${found.kind.label}: ${verdict ? `${verdict} — ` : ''}${summariseResults(results)}`;
  }
  // Triage rounds (also the repeated ones of a blocked incident) carry plain probe results.
  if (entries.every((e) => resultsOf(e).length === 1 && e.message.startsWith(`${resultsOf(e)[0]!.probe}:`)))
    return `Probes: ${summariseResults(results)}`;
  return entries.length === 1
    ? withoutCounter(first.message)
    : entries.map((e) => withoutCounter(e.message)).join('; ');
}

/** The probe entries of one round: consecutive, recorded at one workflow time, of one kind of round. */
function roundKey(entry: TimelineEntry): string {
  const found = ROUND_KINDS.find((k) => k.pattern.test(entry.message));
  return `${entry.at}|${found?.kind.label ?? (entry.message.startsWith('monitor poll') || entry.message.startsWith('hint ') || entry.message.startsWith('verification ') ? entry.message : 'probes')}`;
}

export function digestTimeline(timeline: readonly TimelineEntry[]): DigestRow[] {
  const rows: DigestRow[] = [];
  let i = 0;
  while (i < timeline.length) {
    const entry = timeline[i]!;
    let round = [entry];
    if (entry.kind === 'probe') {
      const key = roundKey(entry);
      while (
        i + round.length < timeline.length &&
        timeline[i + round.length]!.kind === 'probe' &&
        roundKey(timeline[i + round.length]!) === key
      )
        round = [...round, timeline[i + round.length]!];
    }
    i += round.length;
    const probes = entry.kind === 'probe';
    const text = probes ? roundText(round) : entry.message;
    const last = rows.at(-1);
    if (last && last.kind === entry.kind && last.text === text) {
      last.count += 1;
      last.until = round.at(-1)!.at;
      last.entries.push(...round);
      continue;
    }
    rows.push({ at: entry.at, until: round.at(-1)!.at, kind: entry.kind, text, count: 1, probes, entries: round });
  }
  return rows;
}

/** `2 of 3 healthy checks in a row`, `9 healthy checks in a row (3 needed)`: never "9/3". */
export function healthText(monitor: { healthyStreak: number; required: number }): string {
  const { healthyStreak: streak, required } = monitor;
  return streak >= required
    ? `${streak} healthy checks in a row (${required} needed)`
    : `${streak} of ${required} healthy checks in a row`;
}

/** `14 s`, `3 min 5 s`, `2 h 4 min`, `3 d 2 h`: a duration as people say it, seconds only while they matter. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/**
 * Where to cut `text` to at most `max` characters: after JSON punctuation outside a quoted value,
 * unless that would drop much of what fits; then at the last space, inside a quoted value too. A
 * long message (`"Your credit balance is too low …"`) keeps its words: it is what people and
 * decision rules read.
 */
function cutPoint(text: string, max: number): number {
  let json = false;
  let inString = false;
  let escaped = false;
  let structural = 0;
  let space = 0;
  for (let i = 0; i < max; i += 1) {
    const c = text[i]!;
    if (!json && (c === '{' || c === '[')) json = true;
    if (c === ' ') space = i;
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
    } else if (json && c === '"') inString = true;
    else if (',{}[]'.includes(c)) structural = i + 1;
  }
  if (structural >= max * 0.6) return structural;
  const best = Math.max(structural, space);
  return best > 0 ? best : max;
}

/** At most `max` characters of `text`, cut where a reader can tell nothing is broken, and a marker saying how long the whole was. */
export function excerpt(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, cutPoint(text, max)).trimEnd()} … (${text.length} characters)`;
}

/** The same cut with a bare ellipsis: for text that may itself be an excerpt (its length would not be the whole's). */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, cutPoint(text, max)).trimEnd()} …`;
}
