// src/activities/probes: runs a runbook's probe specs (data) against the service and classifies what came back.
import { log } from '@temporalio/activity';
import { ProbeSpecSchema, type Decision, type ProbeResult, type ProbeSpec, type ProbeSpecInput, type ProbeTarget } from '../../contract/index.ts';
import type { ClassifyContext, RunbookDefinition } from '../../runbooks/types.ts';
import { executeProbe, type ProbeExecutorDeps } from './execute.ts';

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
      log.info('probe finished', { probe: result.probe, ok: result.ok, httpStatus: result.httpStatus, errorKind: result.errorKind, latencyMs: result.latencyMs });
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
export async function runTriage(runbook: RunbookDefinition, target: ProbeTarget, deps: ProbeActivityDeps, options: TriageOptions = {}): Promise<TriageReport> {
  const specs: ProbeSpec[] = (options.probes ?? runbook.triageProbes).map((p) => ProbeSpecSchema.parse(p));
  const results = await runProbeRound(specs, (spec, extracted) => executeProbe(spec, target, extracted, deps));
  return { probes: results, decision: runbook.classify(results, [], options.classifyContext) };
}

/** Shared by the CLI and the workflow: independent probes concurrently, dependent ones after. */
export async function runProbeRound(
  specs: ProbeSpec[],
  run: (spec: ProbeSpec, extracted: Record<string, string | undefined>) => Promise<ProbeResult>,
): Promise<ProbeResult[]> {
  const first = specs.filter((s) => s.kind !== 'download');
  const second = specs.filter((s) => s.kind === 'download');
  const firstResults = await Promise.all(first.map((s) => run(s, {})));
  const extracted = Object.fromEntries(firstResults.map((r) => [r.probe, r.extractedUrl]));
  const secondResults = await Promise.all(second.map((s) => run(s, extracted)));
  const byId = new Map([...firstResults, ...secondResults].map((r) => [r.probe, r]));
  return specs.map((s) => byId.get(s.id)!);
}
