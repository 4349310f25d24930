import type { TimelineEntry, TimelineKind } from '../../contract/index.ts';
import type { IncidentSnapshot } from './snapshot.ts';
import type { ProvidedSecretRef } from './slices.ts';

/**
 * What keeps an incident's state bounded whatever arrives: the snapshot is carried whole across
 * continue-as-new (Temporal refuses payloads over 2 MB) and answers every query (gRPC answers over
 * 4 MB fail). Pure functions of the snapshot, so the rules are testable outside a workflow.
 */
export const BOUNDS = {
  /** The timeline keeps its first `head` entries, a summary of what was elided, and the last `tail`. */
  head: 40,
  tail: 150,
  /** The newest entries are never elided, whatever their kind. */
  recent: 50,
  messageChars: 1_000,
  /** A timeline entry's `data`, as JSON. */
  dataBytes: 2_000,
  strings: 300,
  items: 20,
  depth: 4,
  /** Continue-as-new input: the snapshot is squeezed further when it is larger than this. */
  snapshotBytes: 512 * 1024,
  causes: { first: 5, last: 20 },
  secretRefs: 20,
} as const;

/** Kinds that tell the incident's story: elided only when nothing else is left to elide. */
const MILESTONES: ReadonlySet<TimelineKind> = new Set([
  'state',
  'decision',
  'approval_requested',
  'approved',
  'rejected',
  'mutation',
  'reverted',
  'escalation',
]);

export interface Elision {
  total: number;
  byKind: Partial<Record<TimelineKind, number>>;
  from: string;
  to: string;
}

export const isElision = (e: TimelineEntry): e is TimelineEntry & { data: { elided: Elision } } =>
  typeof e.data === 'object' && e.data !== null && 'elided' in e.data;

const plural = (n: number, kind: string) =>
  `${n} ${kind === 'approval_requested' ? 'approval request' : kind}${n === 1 ? '' : 's'}`;

export function elisionMessage(e: Elision): string {
  const kinds = Object.entries(e.byKind)
    .sort(([, a], [, b]) => b - a)
    .map(([kind, n]) => plural(n, kind));
  return `${e.total} timeline ${e.total === 1 ? 'entry' : 'entries'} elided to keep the incident bounded (${kinds.join(', ')}), ${e.from} to ${e.to}`;
}

export const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Long strings cut, long lists and objects shortened, deep nesting dropped: `data` is for people. */
export function trimData(
  value: unknown,
  limits: { strings: number; items: number; depth: number } = BOUNDS,
  depth = 0,
): unknown {
  if (typeof value === 'string') return cut(value, limits.strings);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= limits.depth) return Array.isArray(value) ? `[${value.length} items]` : '{…}';
  if (Array.isArray(value)) {
    const kept = value.slice(0, limits.items).map((v) => trimData(v, limits, depth + 1));
    return value.length > limits.items ? [...kept, `… ${value.length - limits.items} more`] : kept;
  }
  const entries = Object.entries(value);
  const kept = entries.slice(0, limits.items).map(([k, v]) => [cut(k, 100), trimData(v, limits, depth + 1)]);
  if (entries.length > limits.items) kept.push(['…', `${entries.length - limits.items} more`]);
  return Object.fromEntries(kept);
}

/** One timeline entry within its budget: the message cut, `data` trimmed, then squeezed or dropped. */
export function boundedEntry(entry: TimelineEntry): TimelineEntry {
  const message = cut(entry.message, BOUNDS.messageChars);
  if (entry.data === undefined) return { ...entry, message };
  let data = trimData(entry.data);
  if (JSON.stringify(data).length > BOUNDS.dataBytes) data = trimData(entry.data, { strings: 80, items: 8, depth: 3 });
  if (JSON.stringify(data).length > BOUNDS.dataBytes) data = { omitted: `${JSON.stringify(entry.data).length} bytes` };
  return { ...entry, message, data };
}

/**
 * Appends, then elides: the first `head` entries stay, then one summary entry counting what was
 * elided, then at most `tail` entries. Routine entries (alerts, probes, notes, notifications) go
 * first, oldest first; milestones only when nothing routine is left outside the newest `recent`.
 */
export function appendBounded(
  timeline: TimelineEntry[],
  entry: TimelineEntry,
  limits: { head: number; tail: number; recent: number } = BOUNDS,
): void {
  timeline.push(entry);
  while (timeline.length > limits.head + 1 + limits.tail) elideOne(timeline, limits);
}

function elideOne(timeline: TimelineEntry[], limits: { head: number; recent: number }): void {
  let at = timeline.findIndex(isElision);
  if (at < 0) {
    at = Math.min(limits.head, timeline.length - 1);
    const first = timeline[at]!.at;
    timeline.splice(at, 0, {
      at: first,
      kind: 'note',
      message: '',
      data: { elided: { total: 0, byKind: {}, from: first, to: first } },
    });
  }
  const marker = timeline[at]!;
  const end = Math.max(at + 2, timeline.length - limits.recent);
  let victim = at + 1;
  for (let i = at + 1; i < end; i += 1) {
    if (!MILESTONES.has(timeline[i]!.kind)) {
      victim = i;
      break;
    }
  }
  const [gone] = timeline.splice(victim, 1);
  const e = (marker.data as { elided: Elision }).elided;
  e.total += 1;
  e.byKind[gone!.kind] = (e.byKind[gone!.kind] ?? 0) + 1;
  if (gone!.at > e.to) e.to = gone!.at;
  if (gone!.at < e.from) e.from = gone!.at;
  marker.message = elisionMessage(e);
}

const REPEATS = / — repeated \d+ more times?, last at \S+$/;

/**
 * A repeat folded into the last entry `same` matches, while it is on the timeline: its count and
 * time go up instead of a new entry. False when no such entry is left.
 */
export function raiseRepeats(timeline: TimelineEntry[], same: (e: TimelineEntry) => boolean, now: string): boolean {
  const last = timeline.findLast(same) as (TimelineEntry & { data: Record<string, unknown> }) | undefined;
  if (!last) return false;
  const repeats = (typeof last.data.repeats === 'number' ? last.data.repeats : 0) + 1;
  last.data.repeats = repeats;
  last.message = `${last.message.replace(REPEATS, '')} — repeated ${repeats} more time${repeats === 1 ? '' : 's'}, last at ${now}`;
  return true;
}

/** The causes list: the first few and the last many (a flapping provider re-triages often). */
export function boundCauses<T>(causes: T[]): T[] {
  const { first, last } = BOUNDS.causes;
  return causes.length > first + last ? [...causes.slice(0, first), ...causes.slice(-last)] : causes;
}

/**
 * Room for one more handed-over secret reference: the oldest refused ones make room first, and
 * `forgotten` hears each one's index (the hand-over's count of references it had seen follows). False:
 * the list is full of usable ones.
 */
export function makeRoomForSecretRef(refs: ProvidedSecretRef[], forgotten: (index: number) => void): boolean {
  while (refs.length >= BOUNDS.secretRefs) {
    const refused = refs.findIndex((r) => r.refused);
    if (refused < 0) return false;
    refs.splice(refused, 1);
    forgotten(refused);
  }
  return true;
}

export const jsonBytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length;

/**
 * The snapshot as continue-as-new carries it: within `budget` bytes. Routine entries lose their
 * `data` first, then the timeline keeps fewer entries, until it fits. Returns the bounded copy and its size.
 */
export function boundSnapshot(
  snapshot: IncidentSnapshot,
  budget: number = BOUNDS.snapshotBytes,
): { snapshot: IncidentSnapshot; size: number } {
  let bounded = { ...snapshot, causes: boundCauses(snapshot.causes) };
  let size = jsonBytes(bounded);
  if (size <= budget) return { snapshot: bounded, size };
  bounded = {
    ...bounded,
    timeline: bounded.timeline.map((e) =>
      MILESTONES.has(e.kind) || isElision(e) || e.data === undefined
        ? e
        : { at: e.at, kind: e.kind, message: e.message },
    ),
  };
  size = jsonBytes(bounded);
  for (let keep: number = BOUNDS.tail; size > budget && keep >= 10; keep = Math.floor(keep / 2)) {
    const previous = bounded.timeline.find(isElision)?.data.elided;
    const limits = { head: Math.min(BOUNDS.head, keep), tail: keep, recent: Math.min(BOUNDS.recent, keep) };
    const timeline: TimelineEntry[] = [];
    for (const e of bounded.timeline) if (!isElision(e)) appendBounded(timeline, e, limits);
    if (previous) mergeElision(timeline, previous, limits.head);
    bounded = { ...bounded, timeline };
    size = jsonBytes(bounded);
  }
  return { snapshot: bounded, size };
}

/** What an earlier elision counted, added to the timeline's summary entry (made if it has none). */
function mergeElision(timeline: TimelineEntry[], previous: Elision, head: number): void {
  const marker = timeline.find(isElision);
  if (!marker) {
    const e = { ...previous, byKind: { ...previous.byKind } };
    timeline.splice(Math.min(head, timeline.length), 0, {
      at: e.from,
      kind: 'note',
      message: elisionMessage(e),
      data: { elided: e },
    });
    return;
  }
  const e = marker.data.elided;
  e.total += previous.total;
  for (const [kind, n] of Object.entries(previous.byKind) as Array<[TimelineKind, number]>)
    e.byKind[kind] = (e.byKind[kind] ?? 0) + n;
  if (previous.from < e.from) e.from = previous.from;
  if (previous.to > e.to) e.to = previous.to;
  marker.message = elisionMessage(e);
}
