/** What the engine needs from a runbook: data and pure functions. Runbooks implement it; the engine never imports a runbook. */
import type { Decision, ProbeResult, ProbeSpecInput, ServiceTarget, Severity } from '../../contract/index.ts';
import type { RemediationContext } from './context.ts';

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
  /**
   * The plan changes production: the engine confirms the fault is sustained (re-checks agree)
   * before the plan starts, so one bad answer never changes anything.
   */
  confirm?: boolean;
  remediate(ctx: RemediationContext): Promise<RemediationOutcome>;
}

/** What the engine judges an incident by after triage: which probes decide, the free hint, the real calls. */
export interface EvidencePlan {
  /** Probes the decision rests on: when none of them could run, triage is blocked, not guessed. */
  decisive: string[];
  /** A free hint polled every monitor poll (e.g. the status page): its extracted field (`hintValueOf`). Never enough on its own. */
  hint: ProbeSpecInput;
  /** Real (billed) calls: recovery, relapse and re-triage are judged by these alone. */
  real: ProbeSpecInput[];
  /** The cause `classify` returns when the provider is healthy. */
  healthyCause: string;
  /**
   * Causes whose evidence is certain: answers about us (a rejected key, exhausted credits), never
   * noise. Seen in triage and gone before the confirmation, such a fault is recorded as what it was.
   */
  certainCauses?: readonly string[];
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
  evidence: EvidencePlan;
  /** Decision table: pure, total (never throws). */
  classify(results: ProbeResult[], history?: ProbeResult[][], context?: ClassifyContext): Decision;
  causes: Record<string, CauseDefinition>;
  /** The runbook's own settings: validated and defaulted. */
  settings: RunbookSettings;
}

/** Settings a runbook owns (its secret layout, batch selector, policy switches): a catalog entry's `target.settings`. */
export interface RunbookSettings {
  /** Validates `target.settings` of a catalog entry; problems are reported with their path. */
  validate(raw: unknown): Array<{ path: PropertyKey[]; message: string }>;
  /** Settings from the RUNBOOK_* variables for the variable-built service (unset ones left out). */
  fromConfig(config: Readonly<Record<string, unknown>>): Record<string, unknown>;
  /** What the worker lets this service change besides its deployment: checked in every mutation activity. */
  ownObjects(service: ServiceTarget): { secrets: Array<{ name: string; key: string }>; cronJobSelectors: string[] };
}
