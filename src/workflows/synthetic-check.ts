import {
  ApplicationFailure,
  isCancellation,
  log,
  proxyActivities,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import {
  decisiveBlocker,
  ErrorTypes,
  SYNTHETIC_BILLED_MEMO,
  SyntheticCheckInputSchema,
  terminalSafe,
  type AlertSignal,
  type ProbeResult,
  type ProbeSpecInput,
  type SyntheticCheckInput,
  type SyntheticCheckResult,
} from '../contract/index.ts';
import { runbookForIncident, type RunbookDefinition } from '../runbooks/index.ts';
import { catalogActivities, probeActivities } from './engine/activities.ts';
import { failureMessage, unrunnable } from './engine/evidence.ts';

/** Reading the ledger and opening the incident: transient server errors are retried, a worker without a client is not. */
const intake = proxyActivities<Pick<Activities, 'billedSpentToday' | 'openSyntheticIncident'>>({
  startToCloseTimeout: '30 seconds',
  retry: {
    maximumAttempts: 5,
    initialInterval: '1 second',
    nonRetryableErrorTypes: [ErrorTypes.IntakeUnavailable, ErrorTypes.InvalidIncidentInput],
  },
});

/** The triage round: independent probes in one activity, then the downloads of URLs they returned. */
async function probeRound(specs: ProbeSpecInput[], service: string): Promise<ProbeResult[]> {
  const run = async (
    batch: ProbeSpecInput[],
    extracted?: Record<string, string | undefined>,
  ): Promise<ProbeResult[]> => {
    if (batch.length === 0) return [];
    try {
      return await probeActivities.runProbes({ specs: batch, service, extracted });
    } catch (err) {
      if (isCancellation(err)) throw err;
      return batch.map((spec) => unrunnable(spec.id, `the probe activity failed: ${failureMessage(err)}`));
    }
  };
  const first = await run(specs.filter((s) => s.kind !== 'download'));
  const extracted = Object.fromEntries(first.map((r) => [r.probe, r.extractedUrl]));
  return [
    ...first,
    ...(await run(
      specs.filter((s) => s.kind === 'download'),
      extracted,
    )),
  ];
}

/**
 * One scheduled synthetic check (docs/synthetic-checks.md): the runbook's triage
 * probes, its decision table, and on a fault the incident of (runbook, service) opened or joined
 * exactly as an alert would. A healthy check leaves nothing but this history.
 *
 * Billed probes share a daily budget per schedule. The ledger is the runs themselves: a run that
 * spends writes `{day, calls}` in its own memo first, and the next run sums today's runs of its
 * schedule from visibility (an activity, so the answer is recorded and replays). The schedule's
 * SKIP overlap policy keeps scheduled runs sequential, so each one sees the spending before it.
 */
export async function syntheticCheckWorkflow(raw: SyntheticCheckInput): Promise<SyntheticCheckResult> {
  const input = parseCheckInput(raw);
  const runbook = await loadRunbook(input);
  const budget = await claimBilledBudget(input, runbook.triageProbes.filter((p) => p.billed === true).length);
  const specs = budget.billed ? runbook.triageProbes : freeProbesOnly(runbook.triageProbes);
  let note = budget.billed
    ? budget.note
    : `${budget.note} (${specs.map((s) => s.id).join(', ') || 'none'}); faults only real calls show cannot be seen until the budget renews`;

  const probes = await probeRound(specs, input.service);
  const { cause, severity, rationale } = runbook.classify(probes, []);
  const blocker = decisiveBlocker(runbook.evidence.decisive, probes);
  const outcome = blocker ? 'inconclusive' : cause === runbook.evidence.healthyCause ? 'healthy' : 'fault';
  if (blocker) note = `${note ? `${note}; ` : ''}cannot decide: ${blocker}`;
  if (note) log.warn(`synthetic check of ${input.service}: ${note}`);

  const incidentId =
    outcome === 'fault' ? await openFaultIncident(input, runbook, { cause, severity, rationale }, budget.billed) : null;
  return {
    outcome,
    decision: { cause, severity, rationale },
    billed: budget.billed,
    budget: {
      day: budget.day,
      spentBefore: budget.spentBefore,
      perDay: input.billedPerDay,
      thisRun: budget.billed ? budget.cost : 0,
    },
    note,
    probes,
    incidentId,
  };
}

function parseCheckInput(raw: SyntheticCheckInput): SyntheticCheckInput {
  const parsed = SyntheticCheckInputSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw ApplicationFailure.nonRetryable(
    `invalid synthetic check: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    ErrorTypes.InvalidSyntheticCheck,
  );
}

/**
 * The worker's catalog decides where probes go; a service it does not know (or of another runbook)
 * fails the check. The runbook's document comes with that answer: the check runs the text loaded now.
 */
async function loadRunbook(input: SyntheticCheckInput): Promise<RunbookDefinition> {
  const resolved = await catalogActivities.resolveService({ name: input.service, runbook: input.runbook });
  try {
    return runbookForIncident({ runbook: input.runbook, runbookDocument: resolved.runbookDocument });
  } catch (err) {
    throw ApplicationFailure.nonRetryable((err as Error).message, ErrorTypes.UnknownRunbook);
  }
}

interface BudgetClaim {
  day: string;
  /** Billed calls a full triage makes. */
  cost: number;
  spentBefore: number;
  /** Whether this run may make them. */
  billed: boolean;
  /** Why it may not. */
  note: string | null;
}

/** Reads today's spending of the schedule and, if a full triage fits the budget, books it in this run's memo. */
async function claimBilledBudget(input: SyntheticCheckInput, cost: number): Promise<BudgetClaim> {
  const day = new Date(Date.now()).toISOString().slice(0, 10);
  if (cost === 0) return { day, cost, spentBefore: 0, billed: true, note: null };
  let ledger: number;
  try {
    ledger = await intake.billedSpentToday({ scheduleId: input.scheduleId, day, selfRunId: workflowInfo().runId });
  } catch (err) {
    if (isCancellation(err)) throw err;
    const note = `the billed-call ledger could not be read (${failureMessage(err)}): free probes only`;
    return { day, cost, spentBefore: 0, billed: false, note };
  }
  if (ledger + cost > input.billedPerDay) {
    const note = `daily billed budget spent (${ledger} of ${input.billedPerDay} billed calls used on ${day}; a full triage needs ${cost}): free probes only`;
    return { day, cost, spentBefore: ledger, billed: false, note };
  }
  // Written before spending: a run that dies after its calls has still counted them.
  upsertMemo({ [SYNTHETIC_BILLED_MEMO]: { day, calls: cost } });
  return { day, cost, spentBefore: ledger, billed: true, note: null };
}

/** A download or a timing reads a call of the same round: without that call it has nothing to read. */
function freeProbesOnly(triageProbes: ProbeSpecInput[]): ProbeSpecInput[] {
  const freeIds = new Set(triageProbes.filter((p) => p.billed !== true).map((p) => p.id));
  return triageProbes.filter(
    (p) => freeIds.has(p.id) && ((p.kind !== 'download' && p.kind !== 'timing') || freeIds.has(p.after)),
  );
}

/** Opens or joins the incident of (runbook, service) exactly as an alert would. */
async function openFaultIncident(
  input: SyntheticCheckInput,
  runbook: RunbookDefinition,
  { cause, severity, rationale }: SyntheticCheckResult['decision'],
  billed: boolean,
): Promise<string> {
  const alert: AlertSignal = {
    source: 'synthetic',
    status: 'firing',
    fingerprint: `synthetic:${input.scheduleId}`.slice(0, 200),
    summary: terminalSafe(`Synthetic check ${input.scheduleId}: ${severity} ${cause} — ${rationale}`).slice(0, 1_000),
    labels: {
      runbook: runbook.id,
      service: input.service,
      schedule: input.scheduleId,
      cause,
      severity,
      billed: String(billed),
    },
  };
  const { incidentId } = await intake.openSyntheticIncident({
    target: { runbook: runbook.id, service: input.service },
    alert,
  });
  log.info(`synthetic check of ${input.service} found ${severity} ${cause}: incident ${incidentId}`);
  return incidentId;
}
