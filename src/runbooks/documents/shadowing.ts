/**
 * When an earlier rule of a decision table matches whenever a later one does, the later one can
 * never decide. Conservative: it answers true only when the implication holds for every possible
 * round, by the matching rules of decision.ts; anything it cannot prove (`not`, mixed forms) is
 * left alone.
 */
import type { ConditionShape } from './schema.ts';

type Thresholds = Readonly<Record<string, number>>;

const isClass = (s: number | string): s is string => typeof s === 'string';
const failing = (s: number | string) => (isClass(s) ? s === '4xx' || s === '5xx' : s >= 400);

/** Every status `later` accepts is one `earlier` accepts. */
function statusCovered(later: Array<number | string>, earlier: Array<number | string>): boolean {
  return later.every((s) =>
    isClass(s) ? earlier.includes(s) : earlier.includes(s) || earlier.includes(`${String(s)[0]}xx`),
  );
}

const subset = <T>(a: readonly T[], b: readonly T[]) => a.every((x) => b.includes(x));

/** One result satisfying `later`'s match satisfies `earlier`'s (selection aside). */
function resultImplies(later: ConditionShape, earlier: ConditionShape, thresholds: Thresholds): boolean {
  if (earlier.status && !(later.status && statusCovered(later.status, earlier.status))) return false;
  if (earlier.fault && !(later.fault && subset(later.fault, earlier.fault))) return false;
  if (earlier.ok !== undefined) {
    // A fault or a failing status is never an ok result (validate.ts refuses the contradiction).
    const notOk = later.ok === false || later.fault !== undefined || later.status?.every(failing) === true;
    if (!(later.ok === earlier.ok || (earlier.ok === false && notOk))) return false;
  }
  if (earlier.answered !== undefined) {
    const answered = later.answered === true || later.status !== undefined;
    if (!(later.answered === earlier.answered || (earlier.answered && answered))) return false;
  }
  if (earlier.bodyContains !== undefined && !later.bodyContains?.includes(earlier.bodyContains)) return false;
  if (earlier.latencyOver !== undefined) {
    const mine = later.latencyOver === undefined ? undefined : thresholds[later.latencyOver];
    const theirs = thresholds[earlier.latencyOver];
    if (mine === undefined || theirs === undefined || mine < theirs) return false;
  }
  return true;
}

/**
 * The keys of a match this file reasons about; `as` only names the match. A later rule may also
 * narrow its results with `either` (more constraints only make the implication hold more surely);
 * any other key (a reported cause, a latency percentile) is not proven anything of.
 */
const MATCH_KEYS = ['probes', 'every', 'status', 'fault', 'ok', 'answered', 'bodyContains', 'latencyOver', 'as'];
const isMatch = (c: ConditionShape, side: 'later' | 'earlier') =>
  Object.keys(c).every((k) => MATCH_KEYS.includes(k) || (side === 'later' && k === 'either'));

/** The probes a match reads, as a set to compare; undefined for every probe. */
const selection = (c: ConditionShape) => (c.probes ? [...c.probes].sort() : undefined);

function matchImplies(later: ConditionShape, earlier: ConditionShape, thresholds: Thresholds): boolean {
  const mine = selection(later);
  const theirs = selection(earlier);
  if (earlier.every) {
    // All of the earlier rule's results must hold: only a rule over exactly those, all holding, ensures it.
    const same = JSON.stringify(mine) === JSON.stringify(theirs);
    return later.every === true && same && resultImplies(later, earlier, thresholds);
  }
  const within = theirs === undefined || (mine !== undefined && subset(mine, theirs));
  return within && resultImplies(later, earlier, thresholds);
}

/** Whenever `later` holds on a round, `earlier` does too. */
export function implies(later: ConditionShape, earlier: ConditionShape, thresholds: Thresholds): boolean {
  if (earlier.always) return true;
  if (JSON.stringify(later) === JSON.stringify(earlier)) return true;
  if (later.any?.every((l) => implies(l, earlier, thresholds))) return true;
  if (later.all?.some((l) => implies(l, earlier, thresholds))) return true;
  if (earlier.any?.some((e) => implies(later, e, thresholds))) return true;
  if (earlier.all?.every((e) => implies(later, e, thresholds))) return true;
  return isMatch(later, 'later') && isMatch(earlier, 'earlier') && matchImplies(later, earlier, thresholds);
}
