import type { Decision, ProbeResult, Severity } from '../../contract/index.ts';
import { describeResult } from './evidence.ts';
import type { ObserverState } from './slices.ts';

const RANK: Record<Severity, number> = { P1: 4, P2: 3, P3: 2, P4: 1 };
export const worse = (a: Severity, b: Severity): Severity => (RANK[a] >= RANK[b] ? a : b);

/** What a real check is judged against: the round's verdict, the incident's decision and the observer's pace. */
export interface RealCheckFacts {
  readonly round: readonly ProbeResult[];
  readonly verdict: Decision;
  readonly current: Decision;
  readonly healthyCause: string;
  readonly timings: { pollInitialMs: number; healthyChecksRequired: number; confirmRounds: number };
  /** A part waits on a verdict: a failing check keeps the initial interval. */
  readonly awaitsVerdict: boolean;
  readonly backoffMs: number;
}

/** A line the judgement puts on the incident's timeline. */
export type JudgedLine =
  | { readonly kind: 'probe'; readonly message: string; readonly data: unknown }
  | { readonly kind: 'note'; readonly message: string };

/** What one real check changes: the observer's next state, what the timeline says, and a re-triage to ask for. */
export interface RealCheckJudgement {
  readonly next: ObserverState;
  readonly lines: readonly JudgedLine[];
  readonly retriage: { readonly verdict: Decision; readonly why: string } | null;
}

/**
 * Judges one real check's round against what the observer has seen, without changing it: the
 * streaks, the next interval, the timeline's line, a partial recovery's note, and a re-triage once
 * `confirmRounds` checks in a row show a cause as severe as the decision's and different from it.
 */
export function judgeRealCheck(seen: Readonly<ObserverState>, facts: RealCheckFacts): RealCheckJudgement {
  const { verdict, current, timings: t } = facts;
  const healthy = verdict.cause === facts.healthyCause;
  const streaks = healthy
    ? { realStreak: seen.realStreak + 1, failStreak: 0, intervalMs: t.pollInitialMs }
    : {
        realStreak: 0,
        failStreak: seen.failStreak + 1,
        intervalMs: facts.awaitsVerdict || seen.candidate ? t.pollInitialMs : facts.backoffMs,
      };
  const changed = verdict.cause !== seen.lastClass;
  const next: ObserverState = { ...seen, ...streaks, blocker: null, lastClass: verdict.cause, candidate: null };
  const lines: JudgedLine[] = [];
  const cited = facts.round.map(describeResult).join('; ');
  if (healthy)
    lines.push({
      kind: 'probe',
      message: `real check ${seen.polls}: healthy ${next.realStreak}/${t.healthyChecksRequired} (${cited})`,
      data: { realStreak: next.realStreak, results: facts.round },
    });
  else if (changed || verdict.cause !== current.cause)
    lines.push({
      kind: 'probe',
      message: `real check ${seen.polls}: ${verdict.cause === current.cause ? 'still failing' : `now looks like ${verdict.cause}`} (${cited})`,
      data: { class: verdict.cause, results: facts.round },
    });
  if (healthy || verdict.cause === current.cause) return { next, lines, retriage: null };
  if (RANK[verdict.severity] < RANK[current.severity]) {
    if (changed)
      lines.push({
        kind: 'note',
        message: `Partial recovery: real calls now show ${verdict.cause} (${verdict.severity}), milder than ${current.cause}; not recovered until every real call succeeds.`,
      });
    return { next, lines, retriage: null };
  }
  const count = seen.candidate?.cause === verdict.cause ? seen.candidate.count + 1 : 1;
  if (count < t.confirmRounds)
    return { next: { ...next, candidate: { cause: verdict.cause, count } }, lines, retriage: null };
  return {
    next,
    lines,
    retriage: {
      verdict,
      why: `${count} consecutive real checks show ${verdict.cause} instead of ${current.cause}: ${verdict.rationale}`,
    },
  };
}
