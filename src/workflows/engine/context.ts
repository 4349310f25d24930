import type { Decision, IncidentInput, IncidentState, MutationOp, MutationRecord, ProbeResult, ProbeSpecInput, SecretRef } from '../../contract/index.ts';

export interface ApprovalStep {
  stepId: string;
  description: string;
  kubectl?: string;
  /** Skip the human when the policy allows it (e.g. P1 fallback). */
  autoApproveReason?: string;
}

export interface MonitorOptions {
  /** Use the billed probe every Nth poll (1: every poll, when only a real call shows the fault). */
  billedEvery?: number;
  /** Escalate once when still unhealthy after this long. */
  escalateAfterMs?: number;
  escalation?: string;
}

/** The engine primitives a remediation plan is written in. */
export interface RemediationContext {
  readonly input: IncidentInput;
  readonly decision: Decision;
  setState(state: IncidentState, why?: string): void;
  note(message: string, data?: unknown): void;
  /** Runs `fn` once per incident, even across continue-as-new. */
  stage<T>(name: string, fn: () => Promise<T>): Promise<T | undefined>;
  /** Approval gate: true when approved, false when rejected or timed out to reject. */
  approval(step: ApprovalStep): Promise<boolean>;
  apply(step: string, op: MutationOp): Promise<MutationRecord>;
  revert(step: string): Promise<void>;
  waitForRollout(): Promise<boolean>;
  probe(spec: ProbeSpecInput): Promise<ProbeResult>;
  /** Polls until the provider is healthy for N consecutive checks (continues-as-new on long outages). */
  monitorUntilRecovered(options?: MonitorOptions): Promise<void>;
  /** Checks whether the provider is healthy right now with one billed probe. */
  verify(): Promise<boolean>;
  escalate(reason: string): Promise<void>;
  /** Waits for a human to hand over a secret reference; `null` when the step was rejected instead. */
  awaitSecretRef(stepId: string, description: string): Promise<SecretRef | null>;
  inspectSecret(ref: SecretRef): Promise<{ present: boolean; length: number }>;
  readEnv(name: string): Promise<Array<{ container: string; value: string | null }>>;
}
