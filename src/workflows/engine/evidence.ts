import { isCancellation } from '@temporalio/workflow';
import {
  BUDGET_SPENT,
  decisiveBlocker,
  hintWatchHeartbeatMs,
  unrunnable,
  type HintWatchRequest,
  type HintWatchResult,
  type JudgeRoundsResult,
  type ProbeResult,
  type ProbeSpecInput,
} from '../../contract/index.ts';
import { judgeActivities, probeActivities, watchActivities } from './activities.ts';
import type { ProbeEngine } from './ports.ts';
import type { IncidentView } from './snapshot.ts';
import type { BudgetSlice } from './slices.ts';

const HOUR = 3_600_000;
const PROBE_HISTORY_ROUNDS = 20;

export { unrunnable };

/**
 * Billed calls: a hard cap per incident and a rolling hourly rate. The rate decides how often
 * monitoring may make a real call; triage and confirmation (`priority`) only answer to the cap.
 */
export class BilledBudget {
  /** Billed calls made, and when the recent ones were. */
  private readonly spent: BudgetSlice;
  private readonly incident: Pick<IncidentView, 'input'>;

  constructor(spent: BudgetSlice, incident: Pick<IncidentView, 'input'>) {
    this.spent = spent;
    this.incident = incident;
  }

  private get log(): string[] {
    return this.spent.billedLog;
  }

  exhausted(): boolean {
    return this.spent.billedProbes >= this.incident.input.billedProbeBudget;
  }

  remaining(): number {
    return Math.max(0, this.incident.input.billedProbeBudget - this.spent.billedProbes);
  }

  canSpend(calls: number, priority: boolean): boolean {
    const { billedProbeBudget, billedProbesPerHour } = this.incident.input;
    if (this.spent.billedProbes + calls > billedProbeBudget) return false;
    if (priority) return true;
    const now = Date.now();
    return this.log.filter((t) => now - Date.parse(t) < HOUR).length + calls <= billedProbesPerHour;
  }

  /** When monitoring may next make `calls` billed calls at the hourly rate; null when the cap forbids them for good. */
  affordableAt(calls: number): number | null {
    const { billedProbeBudget, billedProbesPerHour } = this.incident.input;
    if (this.spent.billedProbes + calls > billedProbeBudget || calls > billedProbesPerHour) return null;
    const now = Date.now();
    const recent = this.log
      .map((t) => Date.parse(t))
      .filter((t) => now - t < HOUR)
      .sort((a, b) => a - b);
    const excess = recent.length + calls - billedProbesPerHour;
    return excess <= 0 ? now : recent[excess - 1]! + HOUR;
  }

  spend(calls: number): void {
    const now = Date.now();
    this.spent.billedProbes += calls;
    const at = new Date(now).toISOString();
    // Only the newest `billedProbesPerHour` times can decide canSpend: older ones are not kept.
    const recent = [...this.log.filter((t) => now - Date.parse(t) < HOUR), ...Array.from({ length: calls }, () => at)];
    this.spent.billedLog = recent.slice(-this.incident.input.billedProbesPerHour);
  }
}

function capped(incident: ProbeEngine, spec: ProbeSpecInput): ProbeSpecInput {
  const cap = incident.input.timings.probeTimeoutMs;
  return cap ? { ...spec, timeoutMs: Math.min(spec.timeoutMs, cap) } : spec;
}

/** What an activity failure says, from its cause where Temporal wrapped it. */
export function failureMessage(err: unknown): string {
  return err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
}

/** Charges a billed probe to the budget; when the budget says no, the probe's `self` result instead. */
function refusedByBudget(incident: ProbeEngine, spec: ProbeSpecInput, priority: boolean): ProbeResult | null {
  if (!spec.billed) return null;
  if (!incident.budget.canSpend(1, priority)) {
    return unrunnable(spec.id, incident.budget.exhausted() ? BUDGET_SPENT : 'the hourly billed-call rate is reached');
  }
  incident.budget.spend(1);
  return null;
}

/** Only the service's name travels: the worker's catalog decides where the probe goes and with which key. */
function destination(incident: ProbeEngine) {
  const { serviceName, probeKeyRef } = incident.view;
  return { service: serviceName, ...(probeKeyRef ? { keyRef: probeKeyRef } : {}) };
}

/** One probe; whatever stops it on our side comes back as `self` evidence with the reason. */
export async function gather(
  incident: ProbeEngine,
  spec: ProbeSpecInput,
  options: { priority: boolean; extracted?: Record<string, string | undefined> },
): Promise<ProbeResult> {
  const refused = refusedByBudget(incident, spec, options.priority);
  if (refused) return refused;
  try {
    return await probeActivities.runProbe({
      spec: capped(incident, spec),
      ...destination(incident),
      extracted: options.extracted,
    });
  } catch (err) {
    if (isCancellation(err)) throw err;
    return unrunnable(spec.id, `the probe activity failed: ${failureMessage(err)}`);
  }
}

/**
 * The hint watched outside the history until a read changes it or a real check is due
 * (`watchHint`). Its failure is the caller's: it polls on a timer instead.
 */
export function watchHint(
  incident: ProbeEngine,
  { steady, ...watch }: Pick<HintWatchRequest, 'lastHint' | 'intervalMs' | 'dueAtMs'> & { steady: boolean },
): Promise<HintWatchResult> {
  const t = incident.input.timings;
  const spec = capped(incident, incident.runbook.evidence.hint);
  const heartbeatEveryMs = hintWatchHeartbeatMs(t.pollMaxMs);
  const untilDueMs = watch.dueAtMs - Date.now();
  return watchActivities({
    untilDueMs,
    pollMaxMs: t.pollMaxMs,
    readTimeoutMs: spec.timeoutMs,
    heartbeatEveryMs,
  }).watchHint({
    spec,
    ...destination(incident),
    ...watch,
    backoff: t.pollBackoff,
    // A steady watch reads at one pace: it does not back off.
    maxIntervalMs: steady ? watch.intervalMs : t.pollMaxMs,
    heartbeatEveryMs,
  });
}

/**
 * Several probes at once, as one activity (fewer tasks and history events). Budget and failures
 * stay per probe.
 */
export async function gatherAll(
  incident: ProbeEngine,
  specs: ProbeSpecInput[],
  options: { priority: boolean; extracted?: Record<string, string | undefined> },
): Promise<ProbeResult[]> {
  if (specs.length === 0) return [];
  const results = specs.map((spec) => refusedByBudget(incident, spec, options.priority));
  const toRun = specs.filter((_, i) => results[i] === null);
  let ran: ProbeResult[];
  try {
    ran = await probeActivities.runProbes({
      specs: toRun.map((spec) => capped(incident, spec)),
      ...destination(incident),
      extracted: options.extracted,
    });
  } catch (err) {
    if (isCancellation(err)) throw err;
    ran = toRun.map((spec) => unrunnable(spec.id, `the probe activity failed: ${failureMessage(err)}`));
  }
  return results.map((r) => r ?? ran.shift()!);
}

export function describeResult(r: ProbeResult): string {
  if (r.source === 'self') return `${r.probe}: not run (${r.blocker ?? r.detail})`;
  return `${r.probe}: ${r.ok ? 'ok' : 'FAIL'}${r.httpStatus !== null ? ` HTTP ${r.httpStatus}` : ''}${r.errorKind ? ` ${r.errorKind}` : ''} in ${r.latencyMs} ms${r.detail ? ` — ${r.detail}` : ''}`;
}

/**
 * The Quick Triage and, when its cause must be confirmed, the confirmation rounds: one activity
 * (`judgeRounds`), charged to the budget as the rounds it returns say. The triage's probes are on
 * the timeline at the time they ran; the rounds are for the caller to read and keep.
 */
export async function judgeRounds(incident: ProbeEngine): Promise<JudgeRoundsResult> {
  const t = incident.input.timings;
  const billedAllowance = incident.budget.remaining();
  // The history the decision table reads once this triage is the newest round (see `classify` in judgement.ts).
  const history = incident.view.probeHistory.slice(-(PROBE_HISTORY_ROUNDS - 1));
  let judged: JudgeRoundsResult;
  try {
    judged = await judgeActivities(incident).judgeRounds({
      runbook: incident.runbook.id,
      ...destination(incident),
      ...(t.probeTimeoutMs ? { probeTimeoutMs: t.probeTimeoutMs } : {}),
      history,
      ...(incident.input.suspectedCause ? { reportedCause: incident.input.suspectedCause } : {}),
      ...(incident.input.decisionThresholds ? { thresholds: incident.input.decisionThresholds } : {}),
      confirmRounds: t.confirmRounds,
      confirmIntervalMs: t.confirmIntervalMs,
      billedAllowance,
    });
  } catch (err) {
    if (isCancellation(err)) throw err;
    // Every attempt failed: what reached the provider is unknown, so the billed triage calls count as made.
    const billed = incident.runbook.triageProbes.filter((p) => p.billed).length;
    const results = incident.runbook.triageProbes.map((spec) =>
      unrunnable(spec.id, `the probe activity failed: ${failureMessage(err)}`),
    );
    judged = {
      triage: { at: new Date(Date.now()).toISOString(), results, charged: Math.min(billed, billedAllowance) },
      confirmations: [],
    };
  }
  const charged = judged.triage.charged + judged.confirmations.reduce((n, r) => n + r.charged, 0);
  if (charged > 0) incident.budget.spend(charged);
  for (const r of judged.triage.results) incident.add('probe', describeResult(r), r, judged.triage.at);
  return judged;
}

/** The triage rounds kept for the decision table's history, the newest last. */
export const withRound = (history: readonly ProbeResult[][], round: ProbeResult[]): ProbeResult[][] =>
  [...history, round].slice(-PROBE_HISTORY_ROUNDS);

/** Real calls to every endpoint the runbook names, at once. */
export function realRound(incident: ProbeEngine, priority: boolean): Promise<ProbeResult[]> {
  return gatherAll(incident, incident.runbook.evidence.real, { priority });
}

/** The blocker when none of the decisive probes produced provider evidence; null when some did. */
export function blockerOf(incident: ProbeEngine, results: ProbeResult[]): string | null {
  return decisiveBlocker(incident.runbook.evidence.decisive, results);
}
