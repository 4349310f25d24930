import type {
  ApprovalRequest,
  CauseChange,
  Decision,
  IncidentInput,
  IncidentState,
  MutationRecord,
  ProbeResult,
  SecretRef,
  TimelineEntry,
} from '../../contract/index.ts';

/**
 * An incident's state, as slices: each engine part owns one slice and is the only code that writes
 * its fields (SLICE_OWNERS; the architecture test checks it on the source). Parts read the others
 * through `IncidentView`, which nobody can write. Continue-as-new carries the slices assembled into
 * one flat `IncidentSnapshot`, the shape stored histories hold.
 */

/** Set when the incident opens; nothing changes it. */
export interface IdentitySlice {
  readonly input: IncidentInput;
  readonly incidentId: string;
  readonly startedAt: string;
  /** The catalog name: activities resolve the service's URLs, key and cluster objects from it. */
  readonly serviceName: string;
}

/** The run around the parts (incident.ts): its number in the chain of continue-as-new. */
export interface RunSlice {
  run: number;
}

/** A human who resolved or cancelled the incident from outside (human-actions.ts). */
export interface InterruptionSlice {
  manualResolution: { by: string; reason: string } | null;
  cancellation: { by: string; reason: string } | null;
}

/** The incident's record (recorder.ts): its state, timeline, stages done and the root cause people named. */
export interface RecordSlice {
  state: IncidentState;
  /** Bumped on every state change and on news stakeholders should hear; the update loop notifies when it moves. */
  stateVersion: number;
  /** Bounded: first entries, a summary of elided ones, the last entries (appendBounded in bounds.ts). */
  timeline: TimelineEntry[];
  /** Timeline entries ever added (the timeline itself is bounded): the next entry's `seq` follows it. */
  timelineSeq?: number;
  completedStages: string[];
  rootCause: string | null;
}

/** What triage judged (judgement.ts): the decision, the causes in order, and what the probes ran with. */
export interface TriageSlice {
  decision: Decision | null;
  /** The causes the incident was judged to have, in order. */
  causes: CauseChange[];
  /** Why triage cannot run, while blocked. */
  blocker: string | null;
  /** A fault that is certain evidence about us, seen in triage and gone before any change: its summary. */
  clearedBeforeChange?: string | null;
  /** A human-provided reference the probes use instead of the configured key. */
  probeKeyRef: SecretRef | null;
  /** Recent triage rounds, for latency percentiles (bounded). */
  probeHistory: ProbeResult[][];
}

/** The billed-call budget (evidence.ts). */
export interface BudgetSlice {
  billedProbes: number;
  /** Times of billed calls in the last hour (the hourly rate limit). */
  billedLog: string[];
}

/** What the observer knows; carried across continue-as-new in the snapshot. */
export interface ObserverState {
  polls: number;
  intervalMs: number;
  /** The free hint's last value (e.g. status page indicator). */
  lastHint: string | null;
  lastRealAt: string | null;
  /** Consecutive real checks that found the provider healthy. */
  realStreak: number;
  /** Consecutive real checks that found a fault. */
  failStreak: number;
  lastClass: string | null;
  /** A different failure class seen in consecutive real checks, awaiting confirmation. */
  candidate: { cause: string; count: number } | null;
  budgetEscalated: boolean;
  /** What is left of the billed budget cannot pay for one real round: only a human can confirm recovery. */
  budgetSpent?: boolean;
  blocker: string | null;
}

/** The observer's watch (observer.ts). */
export interface ObserverSlice {
  observer?: ObserverState | null;
}

/** A secret reference a human handed over; the approval gate marks it refused. */
export interface ProvidedSecretRef {
  by: string;
  stepId?: string;
  ref: SecretRef;
  refused?: string;
}

/** Human gates (approval-gate.ts): approval requests and the secret references humans handed over. */
export interface GateSlice {
  approvals: ApprovalRequest[];
  secretRefs: ProvidedSecretRef[];
}

/** Every change made to production (mutation-ledger.ts). */
export interface LedgerSlice {
  mutations: MutationRecord[];
}

/** Telling people (communications.ts): the owner, the update and escalation clocks. */
export interface CommsSlice {
  acknowledgedBy: string | null;
  nextUpdateAt: string | null;
  nextEscalationAt: string | null;
  escalations: number;
  lastNotifiedVersion: number;
}

/** The plan could not fix the fault and a human owns the incident. */
export interface HandedOver {
  reason: string;
  at: string;
  /** Secret references handed over before: only a newer one resumes the plan. */
  secretRefsSeen: number;
}

export interface HumanRequest {
  action: 'verify_again' | 'revert_change';
  by: string;
  step?: string;
  reason?: string;
}

/** A human owning the incident (hand-over.ts). */
export interface HandOverSlice {
  /** Set while in needs_human; null otherwise. */
  handedOver?: HandedOver | null;
  /** Choices a human made while owning the incident, not yet acted on (bounded: one per choice, consumed in order). */
  humanRequests?: HumanRequest[];
}

/** How the incident ended (closing.ts). */
export interface ClosingSlice {
  endedAt: string | null;
  summary: string | null;
  postmortemPath: string | null;
}

/** Alerts an incident received, folded per fingerprint (alerts.ts keeps it bounded). */
export interface AlertTally {
  received: number;
  /** Alerts that went into an earlier entry's repeat count instead of a new timeline entry. */
  folded: number;
  fingerprints: AlertFingerprint[];
}

export interface AlertFingerprint {
  fingerprint: string;
  status: 'firing' | 'resolved';
  recorded: number;
  seen: number;
}

/** The alerts received, as counts (alerts.ts): the timeline holds the first few of each fingerprint. */
export interface AlertsSlice {
  alerts?: AlertTally;
}

export interface IncidentSlices {
  identity: IdentitySlice;
  run: RunSlice;
  interruptions: InterruptionSlice;
  record: RecordSlice;
  triage: TriageSlice;
  budget: BudgetSlice;
  observer: ObserverSlice;
  gate: GateSlice;
  ledger: LedgerSlice;
  comms: CommsSlice;
  handOver: HandOverSlice;
  closing: ClosingSlice;
  alerts: AlertsSlice;
}

/** Which engine file may write the fields of each slice (and of the records inside one). */
export const SLICE_OWNERS = {
  IdentitySlice: 'snapshot.ts',
  RunSlice: 'incident.ts',
  InterruptionSlice: 'human-actions.ts',
  RecordSlice: 'recorder.ts',
  TriageSlice: 'judgement.ts',
  BudgetSlice: 'evidence.ts',
  ObserverSlice: 'observer.ts',
  ObserverState: 'observer.ts',
  GateSlice: 'approval-gate.ts',
  ProvidedSecretRef: 'approval-gate.ts',
  LedgerSlice: 'mutation-ledger.ts',
  CommsSlice: 'communications.ts',
  HandOverSlice: 'hand-over.ts',
  HandedOver: 'hand-over.ts',
  HumanRequest: 'hand-over.ts',
  ClosingSlice: 'closing.ts',
  AlertsSlice: 'alerts.ts',
  AlertTally: 'alerts.ts',
  AlertFingerprint: 'alerts.ts',
} as const;
