import { condition } from '@temporalio/workflow';
import {
  confirmationStep,
  describeSecretRef,
  SEARCH_ATTRIBUTES,
  type CauseChange,
  type Decision,
  type JudgedRound,
  type JudgeRoundsResult,
  type ProbeResult,
} from '../../contract/index.ts';
import { boundCauses } from './bounds.ts';
import { blockerOf, describeResult, judgeRounds, withRound } from './evidence.ts';
import type { ProbeEngine, ProvidedSecretRef, RunControl } from './ports.ts';
import { worse } from './real-check-judge.ts';
import { upsertAttributes } from './recorder.ts';
import type { TriageSlice } from './slices.ts';

/** What triage, confirmation and re-triage act on. */
export interface JudgedIncident extends ProbeEngine, RunControl {
  /** What judgement owns: the decision, the causes, the blocker, the probes' key and history. */
  readonly triage: TriageSlice;
  readonly observer: { restartJudgement(): void };
  /** Whether the worker's catalog allows a reference a human handed over. */
  refAllowed(provided: ProvidedSecretRef): Promise<boolean>;
  /** Closes the old plan's pending approval requests: the incident is now `nextCause`. */
  supersedePendingApprovals(nextCause: string): void;
}

/** The step id a human answers with `runbook provide-secret` when the probes cannot read their key. */
export const PROBE_CREDENTIALS_STEP = 'probe-credentials';

const classify = (incident: JudgedIncident, results: ProbeResult[]) =>
  incident.runbook.classify(results, incident.triage.probeHistory.slice(0, -1), {
    reportedCause: incident.input.suspectedCause,
    thresholds: incident.input.decisionThresholds,
  });

/**
 * Triage until there is provider evidence to decide on. While the decisive probes cannot run, the
 * incident is blocked: it says why, escalates, and tries again when a human hands over a
 * reference or the backoff expires (a key fixed on the worker is picked up then). It never
 * guesses a cause from the rest.
 */
async function triageUntilEvidence(incident: JudgedIncident): Promise<JudgeRoundsResult> {
  const t = incident.input.timings;
  const triage = incident.triage;
  let waitMs = t.pollInitialMs;
  for (;;) {
    const judged = await judgeRounds(incident);
    incident.triage.probeHistory = withRound(incident.triage.probeHistory, judged.triage.results);
    const blocker = blockerOf(incident, judged.triage.results);
    if (!blocker) {
      if (triage.blocker) incident.note(`Unblocked: the probes run again (${triage.blocker} no longer applies)`);
      triage.blocker = null;
      return judged;
    }
    if (triage.blocker !== blocker) {
      triage.blocker = blocker;
      incident.setState('blocked', `cannot triage: ${blocker}`);
      await incident.escalate(
        `cannot triage: ${blocker}. No cause is guessed without the provider's answers. Fix it on the worker, or hand over a reference: runbook provide-secret ${incident.view.incidentId} ${PROBE_CREDENTIALS_STEP} --ref env:NAME --by <you>`,
      );
    }
    // Any reference not yet adopted or refused counts, also one that arrived while escalating.
    const unconsumed = () =>
      incident.view.secretRefs.find(
        (r) =>
          (r.stepId === PROBE_CREDENTIALS_STEP || !r.stepId) &&
          !r.refused &&
          (!triage.probeKeyRef || describeSecretRef(r.ref) !== describeSecretRef(triage.probeKeyRef)),
      );
    await condition(() => unconsumed() !== undefined || incident.interrupted(), waitMs);
    if (incident.interrupted()) return judged;
    const provided = unconsumed();
    if (provided && (await incident.refAllowed(provided))) {
      triage.probeKeyRef = provided.ref;
      incident.note(`Probes now use ${describeSecretRef(provided.ref)} (provided by ${provided.by}); triage again`);
    }
    waitMs = Math.min(Math.round(waitMs * t.pollBackoff), t.pollMaxMs);
    incident.pollsThisRun += 1;
    if (incident.pollsThisRun >= t.pollsPerRun) await incident.continueAsNew();
  }
}

/**
 * Sustained means sustained: before a plan that changes production starts, real calls are made
 * again until `confirmRounds` consecutive rounds agree. The decision is what they agree on. The
 * rounds ran in the triage's activity; the same stop rule reads them back here, round by round.
 */
function confirmSustained(
  incident: JudgedIncident,
  first: Decision,
  triage: ProbeResult[],
  rounds: JudgedRound[],
): Decision {
  const t = incident.input.timings;
  const rule = {
    decisive: incident.runbook.evidence.decisive,
    hintId: incident.runbook.evidence.hint.id,
    confirmRounds: t.confirmRounds,
    classify: (results: ProbeResult[]) => classify(incident, results),
  };
  const seen: Decision[] = [first];
  for (const [i, round] of rounds.entries()) {
    for (const r of round.results) incident.add('probe', `confirmation ${i + 1}: ${describeResult(r)}`, r, round.at);
    const step = confirmationStep(rule, triage, seen, i + 1, round.results);
    if (step.blocker) {
      incident.note(`Could not confirm (${step.blocker}): going on with the triage decision`);
      return seen.at(-1)!;
    }
    if (step.over) break;
  }
  if (seen.length === 1) {
    incident.note('Could not confirm (no re-check ran): going on with the triage decision');
    return first;
  }
  const final = seen.at(-1)!;
  const classes = seen.map((d) => d.cause).join(' → ');
  if (final.cause === first.cause) {
    incident.note(
      `Confirmed sustained: ${seen.length - 1} re-checks over ${Math.round(((seen.length - 1) * t.confirmIntervalMs) / 1000)} s still show ${first.cause} (${classes})`,
    );
    return first;
  }
  const healthy = final.cause === incident.runbook.evidence.healthyCause;
  const seenInTriage = triage
    .filter((r) => !r.ok)
    .map(describeResult)
    .join('; ');
  if (healthy && incident.runbook.evidence.certainCauses?.includes(first.cause)) {
    // An answer about us (a rejected key, exhausted credits) is no blip: record it as what it was.
    const summary = `${first.cause} cleared before any change was made: triage saw ${seenInTriage || first.rationale}; the re-checks succeed (${classes}).`;
    incident.note(`Not sustained as ${first.cause}, but certain evidence: ${summary}`);
    incident.triage.clearedBeforeChange = summary;
    return { ...first, rationale: `${first.rationale} — cleared before any change was made (the re-checks succeed).` };
  }
  incident.note(
    `Not sustained as ${first.cause}: re-checks show ${classes}${healthy ? ' — a transient fault, nothing is changed' : ''}`,
  );
  const transient = `${first.cause} (${seenInTriage || 'a failing probe'})`;
  return healthy
    ? {
        ...final,
        transient,
        rationale: `Triage saw ${transient} once, but the re-checks succeed: transient, not sustained. ${final.rationale}`,
      }
    : final;
}

/** Triage → (blocked?) → classify provider evidence → confirm when the plan would change production. */
export async function decide(incident: JudgedIncident): Promise<void> {
  const judged = await triageUntilEvidence(incident);
  if (incident.interrupted()) return;
  const results = judged.triage.results;
  let decision = classify(incident, results);
  if (incident.runbook.causes[decision.cause]?.confirm)
    decision = confirmSustained(incident, decision, results, judged.confirmations);
  record(incident, decision, decision.rationale);
  incident.add('decision', `${decision.severity} ${decision.cause}: ${decision.rationale}`, decision);
  // Published whole with the decision, bounded once it is on the timeline (a flapping provider re-triages often).
  incident.triage.causes = boundCauses(incident.triage.causes);
}

const causeEntry = (d: Decision, why: string): CauseChange => ({
  cause: d.cause,
  severity: d.severity,
  at: new Date(Date.now()).toISOString(),
  why,
});

function record(incident: JudgedIncident, decision: Decision, why: string): void {
  incident.triage.decision = decision;
  incident.triage.causes = [...incident.triage.causes, causeEntry(decision, why)];
  upsertAttributes([
    { key: SEARCH_ATTRIBUTES.severity, value: decision.severity },
    { key: SEARCH_ATTRIBUTES.cause, value: decision.cause },
  ]);
  incident.publish();
}

/**
 * The failure class changed: a new decision on the timeline (old → new, why), severity never
 * drops, pending approvals of the old plan are superseded, stakeholders and on-call are told.
 * Applied changes stay in the ledger: the new plan reuses them or they are settled at the end.
 */
export async function applyRetriage(incident: JudgedIncident, next: Decision, why: string): Promise<void> {
  const old = incident.decision;
  const severity = worse(old.severity, next.severity);
  const decision: Decision = { ...next, severity };
  incident.supersedePendingApprovals(next.cause);
  record(incident, decision, why);
  incident.add('decision', `re-triage: ${old.severity} ${old.cause} → ${severity} ${next.cause}: ${why}`, {
    ...decision,
    previous: { cause: old.cause, severity: old.severity },
    retriage: true,
  });
  incident.triage.causes = boundCauses(incident.triage.causes);
  incident.observer.restartJudgement();
  incident.markChanged();
  await incident.escalate(
    `the incident changed nature: ${old.cause} → ${next.cause} (${severity}); moving to the ${next.cause} plan`,
  );
}
