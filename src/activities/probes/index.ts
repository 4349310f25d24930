// src/activities/probes: runs a runbook's probe specs (data) against the service and classifies what came back.
import { log } from '@temporalio/activity';
import {
  ProbeSpecSchema,
  timingResult,
  type Decision,
  type ProbeResult,
  type ProbeSpec,
  type ProbeSpecInput,
  type ProbeTarget,
} from '../../contract/index.ts';
import type { ClassifyContext, RunbookDefinition } from '../../runbooks/types.ts';
import { executeProbe, type ProbeExecutorDeps } from './execute.ts';
import { billedProbeCalls } from './spend.ts';

export type ProbeActivityDeps = ProbeExecutorDeps;

export interface RunProbeRequest {
  spec: ProbeSpecInput;
  target: ProbeTarget;
  /** URLs extracted by earlier probes of the same round, by probe id (download probes use them). */
  extracted?: Record<string, string | undefined>;
}

export function createProbeActivities(deps: ProbeActivityDeps) {
  return {
    /** One probe; its outcome (even a failure) is the data, so the activity itself rarely fails. */
    async runProbe(req: RunProbeRequest): Promise<ProbeResult> {
      const spec = ProbeSpecSchema.parse(req.spec);
      const result = await executeProbe(spec, req.target, req.extracted ?? {}, deps);
      if (result.billed) billedProbeCalls.inc({ host: new URL(req.target.baseUrl).host, probe: result.probe });
      log.info('probe finished', {
        probe: result.probe,
        ok: result.ok,
        httpStatus: result.httpStatus,
        errorKind: result.errorKind,
        latencyMs: result.latencyMs,
      });
      return result;
    },
  };
}

export interface TriageReport {
  probes: ProbeResult[];
  decision: Decision;
}

export interface TriageOptions {
  /** Replaces the runbook's triage probes (e.g. with shorter timeouts). */
  probes?: ProbeSpecInput[];
  /** Passed to the runbook's decision table (thresholds, a human's reported cause). */
  classifyContext?: ClassifyContext;
}

/**
 * The Quick Triage without a workflow (`runbook triage`): every independent probe at once, then
 * the probes that need an earlier one's output (downloads), then the runbook's decision table.
 */
export async function runTriage(
  runbook: RunbookDefinition,
  target: ProbeTarget,
  deps: ProbeActivityDeps,
  options: TriageOptions = {},
): Promise<TriageReport> {
  const specs: ProbeSpec[] = (options.probes ?? runbook.triageProbes).map((p) => ProbeSpecSchema.parse(p));
  const results = await runProbeRound(specs, (spec, extracted) => executeProbe(spec, target, extracted, deps));
  return { probes: results, decision: runbook.classify(results, [], options.classifyContext) };
}

/**
 * One round, shared by the CLI and the workflow's probe activity: the calls concurrently, then the
 * probes that need one of them — downloads (its image URL, or `extracted` from an earlier round)
 * and timings (its recorded latency, no second call). Results in the order of `specs`.
 */
export async function runProbeRound(
  specs: ProbeSpec[],
  run: (spec: ProbeSpec, extracted: Record<string, string | undefined>) => Promise<ProbeResult>,
  extracted: Record<string, string | undefined> = {},
): Promise<ProbeResult[]> {
  const calls = specs.filter((s) => s.kind !== 'download' && s.kind !== 'timing');
  const callResults = await Promise.all(calls.map((s) => run(s, extracted)));
  const byId = new Map(callResults.map((r) => [r.probe, r]));
  const urls = {
    ...extracted,
    ...Object.fromEntries(callResults.filter((r) => r.extractedUrl).map((r) => [r.probe, r.extractedUrl])),
  };
  const downloads = await Promise.all(specs.filter((s) => s.kind === 'download').map((s) => run(s, urls)));
  for (const r of downloads) byId.set(r.probe, r);
  return specs.map((s) => (s.kind === 'timing' ? timingResult(s, byId.get(s.after)) : byId.get(s.id)!));
}
