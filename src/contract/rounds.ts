/**
 * The triage and its confirmation rounds, as one activity (`judgeRounds`) runs them and as the
 * workflow reads them back. The stop rule lives here once: the activity decides by it when to stop
 * calling the provider, and the workflow re-applies it to the recorded rounds, so the decision and
 * the timeline follow deterministically from the activity's result.
 */
import type { Decision, ProbeResult } from './probes.ts';
import type { SecretRef } from './common.ts';
import { decisiveBlocker } from './probes.ts';

/** One probe round: when it ran, what each probe answered, and how many billed calls it was charged. */
export interface JudgedRound {
  at: string;
  results: ProbeResult[];
  /** Billed probes of the round that were sent (charged to the incident's budget before they ran). */
  charged: number;
}

export interface JudgeRoundsRequest {
  /** The incident's runbook, by id: the activity reads its probes and decision table from the registry. */
  runbook: string;
  /** The service by name: the worker's catalog decides where the probes go and with which key. */
  service: string;
  keyRef?: SecretRef;
  /** Caps every probe's own timeout. */
  probeTimeoutMs?: number;
  /** Earlier rounds the decision table may read (latency samples). */
  history: ProbeResult[][];
  reportedCause?: string;
  thresholds?: Record<string, number>;
  confirmRounds: number;
  confirmIntervalMs: number;
  /** Billed calls the incident may still make: no round is sent beyond it. */
  billedAllowance: number;
}

export interface JudgeRoundsResult {
  triage: JudgedRound;
  /** Empty when the triage was blocked or its cause needs no confirmation. */
  confirmations: JudgedRound[];
}

/** Why a billed probe was not sent: the incident's budget has no call left for it. */
export const BUDGET_SPENT = 'the billed probe budget of this incident is spent';

/** A probe that could not run on our side: evidence about us, never about the provider. */
export function unrunnable(probe: string, blocker: string): ProbeResult {
  return {
    probe,
    ok: false,
    billed: false,
    httpStatus: null,
    errorKind: null,
    latencyMs: 0,
    detail: `not run: ${blocker}`,
    source: 'self',
    blocker,
  };
}

/** At most this many re-checks: enough for `confirmRounds` agreeing ones after a flip or two. */
export const maxConfirmationRounds = (confirmRounds: number) => confirmRounds * 2 + 1;

/** The re-checks agree: the last `confirmRounds` of them (the triage itself is what is doubted) show one cause. */
export function confirmationAgreed(seen: readonly Decision[], round: number, confirmRounds: number): boolean {
  return round >= confirmRounds && seen.slice(-confirmRounds).every((d) => d.cause === seen.at(-1)!.cause);
}

/** What confirmation needs to know of the runbook: pure data and its decision table. */
export interface ConfirmationRule {
  decisive: readonly string[];
  hintId: string;
  confirmRounds: number;
  /** The runbook's decision table over one round (with the triage's hint and the incident's history). */
  classify(results: ProbeResult[]): Decision;
}

/**
 * Walks confirmation rounds in order and says, after each, what it showed and whether
 * confirmation is over (blocked, agreed, or out of rounds). `seen` starts with the triage's decision.
 */
export function confirmationStep(
  rule: ConfirmationRule,
  triage: ProbeResult[],
  seen: Decision[],
  round: number,
  results: ProbeResult[],
): { blocker: string | null; over: boolean } {
  const blocker = decisiveBlocker(rule.decisive, results);
  if (blocker) return { blocker, over: true };
  // Only the free hint carries over: the other triage probes are themselves what is being doubted.
  const hints = triage.filter((r) => r.probe === rule.hintId);
  seen.push(rule.classify([...results, ...hints]));
  return {
    blocker: null,
    over: confirmationAgreed(seen, round, rule.confirmRounds) || round >= maxConfirmationRounds(rule.confirmRounds),
  };
}
