import type { Decision, ProbeResult, ProbeSpecInput, ServiceTarget, Severity } from '../contract/index.ts';
import type { RemediationContext } from '../workflows/engine/context.ts';

export interface ClassifyContext {
  /** A cause a human suspects or reports (e.g. bad quality, which probes cannot see). */
  reportedCause?: string;
  thresholds?: Record<string, number>;
}

export interface RemediationOutcome {
  /** `resolved`: the fault was fixed; `closed`: nothing to fix (false alarm, not an outage). */
  resolution: 'resolved' | 'closed';
  summary: string;
}

export interface CauseDefinition {
  severity: Severity;
  summary: string;
  /** The template's "Impact:" line. */
  impact: string;
  /** The template's "Action:" line. */
  action: string;
  actionItems: string[];
  remediate(ctx: RemediationContext): Promise<RemediationOutcome>;
}

/**
 * A runbook as data and pure functions. Workflow code runs it, so nothing here may do I/O.
 * The engine (src/workflows/engine) knows only this interface, never a particular provider.
 */
export interface RunbookDefinition {
  id: string;
  /** Shown in messages: `P1 INCIDENT: <title>`. */
  title: string;
  defaultService: ServiceTarget;
  /** The Quick Triage probes, run concurrently. */
  triageProbes: ProbeSpecInput[];
  /** Monitoring re-checks: a free probe most of the time, a billed one now and then. */
  recheck: { cheap: ProbeSpecInput; billed: ProbeSpecInput; isRecovered(result: ProbeResult): boolean };
  /** Decision table: pure, total (never throws). */
  classify(results: ProbeResult[], history?: ProbeResult[][], context?: ClassifyContext): Decision;
  causes: Record<string, CauseDefinition>;
}
