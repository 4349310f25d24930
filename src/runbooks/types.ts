import type { Decision, ProbeResult, ProbeSpecInput, ServiceTarget, Severity } from '../contract/index.ts';

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
  /** Decision table: pure, total (never throws). */
  classify(results: ProbeResult[], history?: ProbeResult[][]): Decision;
  causes: Record<string, { severity: Severity; summary: string }>;
}
