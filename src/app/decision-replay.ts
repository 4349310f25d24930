/**
 * Replaying recorded evidence through a decision table: the triage, its confirmation rounds and
 * every real round, read as the engine reads them (the same stop rule, the same treatment of
 * certain and transient causes). Pure: the runbook is any RunbookDefinition; a document also names
 * the rule that decided and the plan its cause runs.
 */
import { createHash } from 'node:crypto';
import {
  confirmationStep,
  decisiveBlocker,
  type Decision,
  type JudgeRoundsRequest,
  type JudgeRoundsResult,
  type ProbeResult,
  type Severity,
} from '../contract/index.ts';
import { classifyByDocument } from '../runbooks/documents/decision.ts';
import type { RunbookDocument } from '../runbooks/documents/schema.ts';
import { reachablePlans } from '../runbooks/documents/validate.ts';
import type { ClassifyContext, RunbookDefinition } from '../runbooks/types.ts';

/** What a decision table made of some evidence. */
export interface Reading {
  cause: string;
  severity: Severity;
  /** The rule that decided; null when the table names none. */
  rule: string | null;
  /** The plan the cause runs and a fingerprint of its steps and the plans they lead to (documents); null when not known. */
  plan: { id: string; fingerprint: string } | null;
}

export interface DecisionTable {
  runbook: RunbookDefinition;
  /** How people see which text this is: `payments v2 (sha256 …)`. */
  label: string;
  read(results: ProbeResult[], history: ProbeResult[][], context: ClassifyContext): Reading;
}

function planOf(doc: RunbookDocument, cause: string): Reading['plan'] {
  const id = doc.causes[cause]?.plan;
  if (id === undefined) return null;
  // The plan and every plan it may lead to, as written: a changed step changes the fingerprint.
  const written = JSON.stringify(reachablePlans(doc, id).map((p) => [p, doc.plans[p]]));
  return { id, fingerprint: createHash('sha256').update(written).digest('hex').slice(0, 12) };
}

export function decisionTable(runbook: RunbookDefinition, label: string, document: RunbookDocument): DecisionTable {
  return {
    runbook,
    label,
    read(results, history, context) {
      const d = classifyByDocument(document, results, history, context);
      return { cause: d.cause, severity: d.severity, rule: d.rule, plan: planOf(document, d.cause) };
    },
  };
}

/**
 * The decision a triage and its recorded confirmation rounds lead to, as the engine reaches it;
 * null when none of the table's decisive probes reached the provider. A table that confirms a
 * cause the incident did not gets no more rounds than were recorded: it goes on with its triage
 * decision, as the engine does when no re-check ran.
 */
export function replayDecision(
  table: DecisionTable,
  { request, result }: { request: JudgeRoundsRequest; result: JudgeRoundsResult },
): Reading | null {
  const { runbook } = table;
  const triage = result.triage.results;
  const { history, confirmRounds } = request;
  const context: ClassifyContext = {
    ...(request.reportedCause ? { reportedCause: request.reportedCause } : {}),
    ...(request.thresholds ? { thresholds: request.thresholds } : {}),
  };
  if (decisiveBlocker(runbook.evidence.decisive, triage)) return null;
  const readings = new Map<Decision, Reading>();
  const classify = (results: ProbeResult[]): Decision => {
    const reading = table.read(results, history, context);
    const decision = { cause: reading.cause, severity: reading.severity, rationale: '', evidence: [] };
    readings.set(decision, reading);
    return decision;
  };
  const first = classify(triage);
  if (!runbook.causes[first.cause]?.confirm) return readings.get(first)!;
  const rule = { decisive: runbook.evidence.decisive, hintId: runbook.evidence.hint.id, confirmRounds, classify };
  const seen: Decision[] = [first];
  for (const [i, round] of result.confirmations.entries()) {
    const step = confirmationStep(rule, triage, seen, i + 1, round.results);
    if (step.blocker || step.over) break;
  }
  const final = seen.at(-1)!;
  if (final.cause === first.cause) return readings.get(first)!;
  // Certain evidence gone before the re-checks is recorded as what it was, not as healthy.
  const healthy = final.cause === runbook.evidence.healthyCause;
  if (healthy && runbook.evidence.certainCauses?.includes(first.cause)) return readings.get(first)!;
  return readings.get(final)!;
}

/** A real round as the observer reads it (no history); null when the table's decisive probes did not run. */
export function replayRound(table: DecisionTable, results: ProbeResult[], context: ClassifyContext): Reading | null {
  if (decisiveBlocker(table.runbook.evidence.decisive, results)) return null;
  return table.read(results, [], { ...(context.thresholds ? { thresholds: context.thresholds } : {}) });
}

/** What differs between two readings of the same evidence. */
export function differences(before: Reading | null, after: Reading | null): Array<'cause' | 'severity' | 'plan'> {
  if (before === null && after === null) return [];
  if (before === null || after === null) return ['cause'];
  const changed: Array<'cause' | 'severity' | 'plan'> = [];
  if (before.cause !== after.cause) changed.push('cause');
  if (before.severity !== after.severity) changed.push('severity');
  if (
    before.plan &&
    after.plan &&
    (before.plan.id !== after.plan.id || before.plan.fingerprint !== after.plan.fingerprint)
  )
    changed.push('plan');
  return changed;
}
