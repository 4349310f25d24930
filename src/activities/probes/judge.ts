import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  BUDGET_SPENT,
  confirmationStep,
  decisiveBlocker,
  unrunnable,
  type Decision,
  type JudgedRound,
  type JudgeRoundsRequest,
  type JudgeRoundsResult,
  type ProbeResult,
  type ProbeSpecInput,
  type SecretRef,
} from '../../contract/index.ts';
import { getRunbook } from '../../runbooks/index.ts';

/** One probe round at the service, through the worker's catalog (the guarded `runProbes`). */
export type RoundRunner = (req: {
  specs: ProbeSpecInput[];
  service: string;
  keyRef?: SecretRef;
}) => Promise<ProbeResult[]>;

/** What an attempt heartbeats: the rounds it finished, so a retry resumes after them. */
interface Progress {
  triage?: JudgedRound;
  confirmations: JudgedRound[];
}

/** Heartbeats go out this often (the SDK throttles what reaches the server): sleeps and slow probes stay alive. */
const HEARTBEAT_EVERY_MS = 1_000;

const chargedSoFar = (p: Progress) => (p.triage?.charged ?? 0) + p.confirmations.reduce((n, r) => n + r.charged, 0);

function resumedProgress(ctx: Context): Progress | null {
  const details = ctx.info.heartbeatDetails as Progress | undefined;
  return details && Array.isArray(details.confirmations) ? details : null;
}

export interface JudgeActivityDeps {
  runProbes: RoundRunner;
  /** The wait between rounds; by default the activity's own (cancelled with it). Workflow unit tests on skipped time pass none. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The triage and, when its cause needs it, the confirmation rounds `confirmIntervalMs` apart, as
 * one activity: nothing durable happens between them, so the incident's history records the
 * evidence once instead of a timer, an activity and their workflow tasks per round.
 */
export function createJudgeActivities({ runProbes, sleep }: JudgeActivityDeps) {
  return {
    async judgeRounds(req: JudgeRoundsRequest): Promise<JudgeRoundsResult> {
      const ctx = Context.current();
      const runbook = getRunbook(req.runbook);
      const progress = resumedProgress(ctx) ?? { confirmations: [] };
      // Billed calls of rounds an earlier attempt finished are already in its result: charged once.
      let allowance = req.billedAllowance - chargedSoFar(progress);
      const snapshot = () => ({ ...progress, confirmations: [...progress.confirmations] });
      const ticker = setInterval(() => ctx.heartbeat(snapshot()), HEARTBEAT_EVERY_MS);

      const round = async (specs: ProbeSpecInput[]): Promise<JudgedRound> => {
        const at = new Date().toISOString();
        const capped = specs.map((s) =>
          req.probeTimeoutMs ? { ...s, timeoutMs: Math.min(s.timeoutMs, req.probeTimeoutMs) } : s,
        );
        // Charged before it is sent, as the workflow's budget does: a billed call the budget cannot pay is not made.
        let charged = 0;
        const refused = capped.map((spec) => {
          if (!spec.billed) return null;
          if (allowance < 1) return unrunnable(spec.id, BUDGET_SPENT);
          allowance -= 1;
          charged += 1;
          return null;
        });
        const toRun = capped.filter((_, i) => refused[i] === null);
        const ran = await runOrRefuse(runProbes, {
          specs: toRun,
          service: req.service,
          ...(req.keyRef ? { keyRef: req.keyRef } : {}),
        });
        const results = refused.map((r) => r ?? ran.shift()!);
        return { at, results, charged };
      };

      try {
        progress.triage ??= await round(runbook.triageProbes);
        ctx.heartbeat(snapshot());
        const triage = progress.triage.results;
        const classify = (results: ProbeResult[]) =>
          runbook.classify(results, req.history, { reportedCause: req.reportedCause, thresholds: req.thresholds });
        if (decisiveBlocker(runbook.evidence.decisive, triage)) return { triage: progress.triage, confirmations: [] };
        const first = classify(triage);
        if (!runbook.causes[first.cause]?.confirm) return { triage: progress.triage, confirmations: [] };
        const rule = {
          decisive: runbook.evidence.decisive,
          hintId: runbook.evidence.hint.id,
          confirmRounds: req.confirmRounds,
          classify,
        };
        const seen: Decision[] = [first];
        // Rounds a previous attempt recorded count as they were: the stop rule continues from them.
        for (const [i, done] of progress.confirmations.entries()) {
          if (confirmationStep(rule, triage, seen, i + 1, done.results).over)
            return { triage: progress.triage, confirmations: progress.confirmations };
        }
        for (let n = progress.confirmations.length + 1; ; n += 1) {
          await (sleep ?? ((ms: number) => ctx.sleep(ms)))(req.confirmIntervalMs);
          const next = await round(runbook.evidence.real);
          progress.confirmations.push(next);
          ctx.heartbeat(snapshot());
          if (confirmationStep(rule, triage, seen, n, next.results).over)
            return { triage: progress.triage, confirmations: progress.confirmations };
        }
      } finally {
        clearInterval(ticker);
      }
    },
  };
}

/**
 * A round the catalog refuses (a key reference not allowed, an unknown service) is evidence about
 * us, per probe, as a failed probe activity was; anything else fails the attempt, and the retry
 * resumes after the rounds already heartbeated.
 */
async function runOrRefuse(runProbes: RoundRunner, req: Parameters<RoundRunner>[0]): Promise<ProbeResult[]> {
  if (req.specs.length === 0) return [];
  try {
    return await runProbes(req);
  } catch (err) {
    if (!(err instanceof ApplicationFailure) || !err.nonRetryable) throw err;
    return req.specs.map((spec) => unrunnable(spec.id, `the probe activity failed: ${err.message}`));
  }
}
