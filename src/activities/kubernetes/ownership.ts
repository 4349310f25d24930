import { createHash } from 'node:crypto';

/**
 * One owner record per knob (an env var of one container, a CronJob's suspend flag), kept on the
 * object that holds the knob so every worker sees it and it changes in the same guarded write as
 * the knob itself. Several incidents may hold a knob at once: the first records the value no
 * incident had touched (`original`), the others join, and only the last one out puts it back.
 * A per-incident "previous value" cannot work: a later incident would record an earlier one's
 * mitigation as its previous value and write it back on revert.
 */
export interface Ownership<T, A = T> {
  /** Human-readable name of the knob, for whoever reads the annotation with kubectl. */
  knob: string;
  /** The value before any incident changed it. */
  original: T;
  /** The value the latest holder wrote: a different value at the last revert means someone else changed it. */
  applied: A;
  /** Mutation ids (`<incidentId>/<step>`) currently relying on the changed value. */
  holders: string[];
}

export const OWNERS_ANNOTATION_PREFIX = 'runbook.dev/owners.';

/** Annotation names allow 63 characters after the prefix: the knob is hashed, and spelled out in the value. */
export const ownersAnnotation = (knob: string) =>
  `${OWNERS_ANNOTATION_PREFIX}${createHash('sha256').update(knob).digest('hex').slice(0, 16)}`;

export function readOwnership<T, A = T>(
  annotations: Record<string, string> | undefined,
  knob: string,
): Ownership<T, A> | undefined {
  const raw = annotations?.[ownersAnnotation(knob)];
  return raw === undefined ? undefined : (JSON.parse(raw) as Ownership<T, A>);
}

export interface Claim<T, A = T> {
  ownership: Ownership<T, A>;
  /** False when this mutation already held the knob (a retried activity). */
  joined: boolean;
}

/** Takes (or joins) ownership; `current` is only recorded when nobody holds the knob yet. */
export function claim<T, A = T>(
  existing: Ownership<T, A> | undefined,
  knob: string,
  current: T,
  applied: A,
  mutationId: string,
): Claim<T, A> {
  if (!existing) return { ownership: { knob, original: current, applied, holders: [mutationId] }, joined: true };
  if (existing.holders.includes(mutationId)) return { ownership: { ...existing, applied }, joined: false };
  return { ownership: { ...existing, applied, holders: [...existing.holders, mutationId] }, joined: true };
}

export type Release<T, A = T> =
  /** Not a holder: an earlier attempt of this revert already released it (or it never claimed). */
  | { kind: 'not-holder' }
  /** Others still rely on the change: it stays, only the holder list shrinks. */
  | { kind: 'still-held'; ownership: Ownership<T, A> }
  /** The last holder: put back `original`. */
  | { kind: 'last'; original: T; applied: A };

export function release<T, A = T>(existing: Ownership<T, A> | undefined, mutationId: string): Release<T, A> {
  if (!existing?.holders.includes(mutationId)) return { kind: 'not-holder' };
  const holders = existing.holders.filter((h) => h !== mutationId);
  if (holders.length > 0) return { kind: 'still-held', ownership: { ...existing, holders } };
  return { kind: 'last', original: existing.original, applied: existing.applied };
}
