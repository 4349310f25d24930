import type { ProbeResult, Severity } from '../../contract/index.ts';
import { blockerOf, describeResult } from './evidence.ts';
import type { ProbeEngine, RunControl } from './ports.ts';
import type { ObserverState } from './slices.ts';

const RANK: Record<Severity, number> = { P1: 4, P2: 3, P3: 2, P4: 1 };
export const worse = (a: Severity, b: Severity): Severity => (RANK[a] >= RANK[b] ? a : b);

/** How the observer stands when a real check's answer comes: whether a part awaits a verdict, and the next backed-off interval. */
export interface RealCheckContext {
  readonly awaitsVerdict: boolean;
  readonly backoffMs: number;
}

/**
 * Judges one real check's round into what the observer has seen: the streaks, the next interval,
 * the timeline's line, a partial recovery's note, and a re-triage once `confirmRounds` checks in a
 * row show a cause as severe as the decision's and different from it.
 */
export async function judgeRealCheck(
  incident: ProbeEngine & RunControl,
  seen: ObserverState,
  round: ProbeResult[],
  hint: ProbeResult,
  how: RealCheckContext,
): Promise<void> {
  const t = incident.input.timings;
  const blocker = blockerOf(incident, round);
  if (blocker) {
    if (seen.blocker !== blocker) {
      seen.blocker = blocker;
      await incident.escalate(`real calls cannot run (${blocker}): recovery cannot be judged until this is fixed`);
    }
    return;
  }
  seen.blocker = null;
  const verdict = incident.runbook.classify([...round, hint], [], {
    thresholds: incident.input.decisionThresholds,
  });
  const healthy = verdict.cause === incident.runbook.evidence.healthyCause;
  const current = incident.decision;
  if (healthy) {
    seen.realStreak += 1;
    seen.failStreak = 0;
    seen.candidate = null;
    seen.intervalMs = t.pollInitialMs;
  } else {
    seen.realStreak = 0;
    seen.failStreak += 1;
    seen.intervalMs = how.awaitsVerdict || seen.candidate ? t.pollInitialMs : how.backoffMs;
  }
  const changed = verdict.cause !== seen.lastClass;
  seen.lastClass = verdict.cause;
  const cited = round.map(describeResult).join('; ');
  if (healthy) {
    incident.add(
      'probe',
      `real check ${seen.polls}: healthy ${seen.realStreak}/${t.healthyChecksRequired} (${cited})`,
      {
        realStreak: seen.realStreak,
        results: round,
      },
    );
  } else if (changed || verdict.cause !== current.cause) {
    incident.add(
      'probe',
      `real check ${seen.polls}: ${verdict.cause === current.cause ? 'still failing' : `now looks like ${verdict.cause}`} (${cited})`,
      { class: verdict.cause, results: round },
    );
  }
  if (healthy || verdict.cause === current.cause) {
    seen.candidate = null;
    return;
  }
  if (RANK[verdict.severity] < RANK[current.severity]) {
    if (changed)
      incident.note(
        `Partial recovery: real calls now show ${verdict.cause} (${verdict.severity}), milder than ${current.cause}; not recovered until every real call succeeds.`,
      );
    seen.candidate = null;
    return;
  }
  seen.candidate =
    seen.candidate?.cause === verdict.cause
      ? { cause: verdict.cause, count: seen.candidate.count + 1 }
      : { cause: verdict.cause, count: 1 };
  if (seen.candidate.count >= t.confirmRounds) {
    incident.requestRetriage(
      verdict,
      `${seen.candidate.count} consecutive real checks show ${verdict.cause} instead of ${current.cause}: ${verdict.rationale}`,
    );
    seen.candidate = null;
  }
}
