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

/** Alerts an incident received, folded per fingerprint (alerts.ts keeps it bounded). */
export interface AlertTally {
  received: number;
  /** Alerts that went into an earlier entry's repeat count instead of a new timeline entry. */
  folded: number;
  fingerprints: Array<{ fingerprint: string; status: 'firing' | 'resolved'; recorded: number; seen: number }>;
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

/** Everything an incident knows; carried whole across continue-as-new. */
export interface IncidentSnapshot {
  input: IncidentInput;
  incidentId: string;
  startedAt: string;
  endedAt: string | null;
  state: IncidentState;
  /** Bumped on every state change; the update loop notifies when it moves. */
  stateVersion: number;
  decision: Decision | null;
  /** Bounded: first entries, a summary of elided ones, the last entries (appendBounded in bounds.ts). */
  timeline: TimelineEntry[];
  mutations: MutationRecord[];
  approvals: ApprovalRequest[];
  acknowledgedBy: string | null;
  rootCause: string | null;
  manualResolution: { by: string; reason: string } | null;
  cancellation: { by: string; reason: string } | null;
  billedProbes: number;
  /** Recent probe rounds, for latency percentiles (bounded). */
  probeHistory: ProbeResult[][];
  completedStages: string[];
  secretRefs: Array<{ by: string; stepId?: string; ref: SecretRef; refused?: string }>;
  nextUpdateAt: string | null;
  nextEscalationAt: string | null;
  escalations: number;
  lastNotifiedVersion: number;
  run: number;
  postmortemPath: string | null;
  summary: string | null;
  /** The causes the incident was judged to have, in order. */
  causes: CauseChange[];
  /** Why triage cannot run, while blocked. */
  blocker: string | null;
  observer?: ObserverState | null;
  /** Times of billed calls in the last hour (the hourly rate limit). */
  billedLog: string[];
  /** A human-provided reference the probes use instead of the configured key. */
  probeKeyRef: SecretRef | null;
  /** The catalog name: activities resolve the service's URLs, key and cluster objects from it. */
  serviceName: string;
  /** The plan could not fix the fault and a human owns the incident (needs_human); null otherwise. */
  handedOver?: { reason: string; at: string; secretRefsSeen: number } | null;
  /** Choices a human made while owning the incident, not yet acted on (bounded: one per choice, consumed in order). */
  humanRequests?: Array<{ action: 'verify_again' | 'revert_change'; by: string; step?: string; reason?: string }>;
  /** Timeline entries ever added (the timeline itself is bounded): the next entry's `seq` follows it. */
  timelineSeq?: number;
  /** A fault that is certain evidence about us, seen in triage and gone before any change: its summary. */
  clearedBeforeChange?: string | null;
  /** Alerts received, as counts: the timeline holds the first few of each fingerprint (bounded, see bounds.ts). */
  alerts?: AlertTally;
}

export function freshSnapshot(
  input: IncidentInput,
  incidentId: string,
  now: string,
  serviceName: string,
): IncidentSnapshot {
  return {
    input,
    serviceName,
    incidentId,
    startedAt: now,
    endedAt: null,
    state: 'investigating',
    stateVersion: 0,
    decision: null,
    timeline: [],
    mutations: [],
    approvals: [],
    acknowledgedBy: null,
    rootCause: null,
    manualResolution: null,
    cancellation: null,
    billedProbes: 0,
    probeHistory: [],
    completedStages: [],
    secretRefs: [],
    nextUpdateAt: null,
    nextEscalationAt: null,
    escalations: 0,
    lastNotifiedVersion: -1,
    run: 1,
    postmortemPath: null,
    summary: null,
    causes: [],
    blocker: null,
    observer: null,
    billedLog: [],
    probeKeyRef: null,
  };
}
