import type {
  Decision,
  IncidentInput,
  IncidentState,
  MutationOp,
  MutationRecord,
  ProbeResult,
  ProbeSpecInput,
  SecretRef,
} from '../../contract/index.ts';

/** After a change: real calls stayed healthy, or the fault came back (confirmed). */
export type RecoveryVerdict = 'stable' | 'relapsed';

export interface ApprovalStep {
  stepId: string;
  description: string;
  kubectl?: string;
  /** Skip the human when the policy allows it (e.g. P1 fallback). */
  autoApproveReason?: string;
  /** Also settled when real calls show the provider healthy again (e.g. a credit limit that resets). */
  orRecovered?: boolean;
  /** A policy of auto-approving on timeout does not apply: only a human can answer. */
  neverAutoApprove?: boolean;
  /**
   * Asked because real calls recovered (e.g. turn fallback off): superseded, and `approval` answers
   * false, as soon as a real call fails again before anyone decides.
   */
  whileRecovered?: boolean;
}

export interface VerifyOptions {
  /** How long the change may take to work (propagation): failing real calls before then are not a verdict. */
  graceMs?: number;
}

export interface MonitorOptions {
  /** Escalate once when still unhealthy after this long. */
  escalateAfterMs?: number;
  escalation?: string;
  /** When still unhealthy after `escalateAfterMs`, the plan has not worked: hand the incident to a human (throws). */
  handOver?: boolean;
}

/** The engine primitives a remediation plan is written in. */
export interface RemediationContext {
  readonly input: IncidentInput;
  readonly decision: Decision;
  setState(state: IncidentState, why?: string): void;
  note(message: string, data?: unknown): void;
  /** Runs `fn` once per incident, even across continue-as-new. */
  stage<T>(name: string, fn: () => Promise<T>): Promise<T | undefined>;
  /** Approval gate: true when approved, false when rejected, timed out to reject, or superseded. */
  approval(step: ApprovalStep): Promise<boolean>;
  /** As `approval`, telling a human's "no" from a request that real calls overtook (`whileRecovered`). */
  ask(step: ApprovalStep): Promise<'approved' | 'declined' | 'superseded'>;
  /** `purpose`: protective changes (fallback) and fixes (a rotated key) are never undone by the engine while the provider fails. */
  apply(step: string, op: MutationOp, options?: { purpose?: MutationRecord['purpose'] }): Promise<MutationRecord>;
  revert(step: string): Promise<void>;
  /** Every change this incident made, in order, reverted or not. */
  ledger(): readonly MutationRecord[];
  /** The step's change is in place (applied, not reverted). */
  applied(step: string): boolean;
  /** Leave the step's change in place when the incident ends, with the reason on the timeline. */
  keep(step: string, reason: string): void;
  /** Real calls already show the provider healthy (N consecutive successes). */
  providerRecovered(): boolean;
  /**
   * After a change: `stable` after N real successes, `relapsed` after repeated real failures —
   * judged only once `graceMs` (the time the change needs to take, declared by the plan) is over.
   */
  watchAfterChange(options?: VerifyOptions): Promise<RecoveryVerdict>;
  waitForRollout(): Promise<boolean>;
  probe(spec: ProbeSpecInput): Promise<ProbeResult>;
  /** Polls until the provider is healthy for N consecutive checks (continues-as-new on long outages). */
  monitorUntilRecovered(options?: MonitorOptions): Promise<void>;
  /** Checks that the provider is healthy now: by watching real calls, with hysteresis. */
  verify(options?: VerifyOptions): Promise<boolean>;
  escalate(reason: string): Promise<void>;
  /** Waits for a human to hand over a secret reference; `null` when the step was rejected instead. */
  awaitSecretRef(stepId: string, description: string): Promise<SecretRef | null>;
  inspectSecret(ref: SecretRef): Promise<{ present: boolean; length: number }>;
  readEnv(name: string): Promise<Array<{ container: string; value: string | null }>>;
}
