import { z } from 'zod';
import { ApprovalChannelSchema, HttpUrlSchema, SecretRefSchema, SeveritySchema } from './common.ts';
import { DecisionSchema, ProbeResultSchema } from './probes.ts';
import { MutationRecordSchema } from './mutations.ts';
import { lazySchema } from './lazy-schema.ts';

/** Every state an incident can be in, in the order a person reads them (opened → ended). */
export const INCIDENT_STATES = [
  'investigating',
  /** Triage cannot gather provider evidence (e.g. the worker cannot read the API key). */
  'blocked',
  'awaiting_approval',
  'mitigating',
  'mitigated',
  'monitoring',
  'reverting',
  /**
   * The plan could not fix the fault (its verification failed, or a step errored): a human owns
   * the incident. It stays open, protective changes stay in place, real calls keep being watched.
   */
  'needs_human',
  'resolved',
  /** Ended without a fault to fix: a false alarm, not an outage, or a plan a human declined. */
  'closed',
  'cancelled',
  'failed',
] as const;

export const IncidentStateSchema = lazySchema(() => z.enum(INCIDENT_STATES));
export type IncidentState = (typeof INCIDENT_STATES)[number];

/** The states an incident ends in. */
export const ENDED_INCIDENT_STATES: readonly IncidentState[] = ['resolved', 'closed', 'cancelled', 'failed'];

/** The states of an incident still open: a human may still act on it. */
export const OPEN_INCIDENT_STATES: readonly IncidentState[] = INCIDENT_STATES.filter(
  (state) => !ENDED_INCIDENT_STATES.includes(state),
);

/**
 * What stakeholders read, derived from the engine state: the runbook's INVESTIGATING / MITIGATED /
 * RESOLVED, plus ESCALATED while a human owns the incident, and the ways an incident ends without a
 * fix (CLOSED, CANCELLED, FAILED), so nothing unfixed is ever announced as RESOLVED.
 */
export const COMMUNICATION_STATUSES = [
  'INVESTIGATING',
  'MITIGATED',
  'ESCALATED',
  'RESOLVED',
  'CLOSED',
  'CANCELLED',
  'FAILED',
] as const;
export type CommunicationStatus = (typeof COMMUNICATION_STATUSES)[number];
/** The statuses that end an incident: no next update follows them. */
export const FINAL_COMMUNICATION_STATUSES: readonly CommunicationStatus[] = [
  'RESOLVED',
  'CLOSED',
  'CANCELLED',
  'FAILED',
];
export function communicationStatus(state: IncidentState): CommunicationStatus {
  switch (state) {
    case 'investigating':
    case 'blocked':
    case 'awaiting_approval':
    case 'mitigating':
      return 'INVESTIGATING';
    case 'mitigated':
    case 'monitoring':
    case 'reverting':
      return 'MITIGATED';
    case 'needs_human':
      return 'ESCALATED';
    case 'resolved':
      return 'RESOLVED';
    case 'closed':
      return 'CLOSED';
    case 'cancelled':
      return 'CANCELLED';
    case 'failed':
      return 'FAILED';
  }
}

export const TimelineKindSchema = lazySchema(() =>
  z.enum([
    'state',
    'probe',
    'decision',
    'approval_requested',
    'approved',
    'rejected',
    'mutation',
    'reverted',
    'notification',
    'escalation',
    'note',
    /** An alert from the intake (Alertmanager, generic webhook): recorded, never decisive by itself. */
    'alert',
  ]),
);
export type TimelineKind = z.infer<typeof TimelineKindSchema>;

export const TimelineEntrySchema = lazySchema(() =>
  z.object({
    /** Workflow time, ISO-8601. */
    at: z.string(),
    kind: TimelineKindSchema,
    message: z.string(),
    data: z.unknown().optional(),
    /** Position in the whole incident, 1-based: the timeline is bounded (old entries elided), so followers read by this, not by index. */
    seq: z.number().int().optional(),
  }),
);

/**
 * The entries a follower has not seen yet: by `seq` where entries carry one, by position otherwise
 * (and when the follower knows only how many it has seen: `lastSeq` negative).
 */
export function unseenEntries<T extends { seq?: number }>(
  timeline: readonly T[],
  seen: { count: number; lastSeq: number },
): T[] {
  const numbered = seen.lastSeq >= 0 && timeline.some((e) => e.seq !== undefined);
  const fresh = numbered ? timeline.filter((e) => (e.seq ?? 0) > seen.lastSeq) : timeline.slice(seen.count);
  seen.count = Math.max(seen.count, timeline.length);
  for (const e of timeline) seen.lastSeq = Math.max(seen.lastSeq, e.seq ?? 0);
  return fresh;
}
export type TimelineEntry = z.infer<typeof TimelineEntrySchema>;

export const ApprovalTimeoutOutcomeSchema = lazySchema(() => z.enum(['escalate', 'reject', 'auto-approve']));

export const ApprovalPolicySchema = lazySchema(() =>
  z.object({
    /** Empty: anyone may approve. */
    approvers: z.array(z.string().min(1)).default([]),
    /** N of M: how many distinct approvals a step needs. */
    required: z.number().int().min(1).default(1),
    allowSelfApproval: z.boolean().default(false),
    timeoutMs: z
      .number()
      .int()
      .positive()
      .default(30 * 60_000),
    onTimeout: ApprovalTimeoutOutcomeSchema.default('escalate'),
    /** Every Kubernetes call with dryRun=All: validates, persists nothing. */
    dryRun: z.boolean().default(false),
    /**
     * Only decisions whose identity a sign-in established (`via.channel` console or slack) count;
     * self-declared ones (`runbook approve --by`, or no `via`) are refused. Absent: false.
     */
    requireVerifiedApprovals: z.boolean().optional(),
  }),
);
export type ApprovalPolicy = z.infer<typeof ApprovalPolicySchema>;

const ms = (d: number) => z.number().int().positive().default(d);
const MIN = 60_000;
const HOUR = 60 * MIN;

/** All durations the engine waits on; drills compress them, production uses the defaults. */
export const IncidentTimingsSchema = lazySchema(() =>
  z.object({
    slaMs: z.object({ P1: ms(15 * MIN), P2: ms(HOUR), P3: ms(4 * HOUR), P4: ms(24 * HOUR) }).prefault({}),
    escalationEveryMs: ms(15 * MIN),
    updateEveryMs: z
      .object({
        P1: ms(30 * MIN),
        P2: ms(HOUR),
        P3: ms(4 * HOUR),
        P4: z.number().int().positive().nullable().default(null),
      })
      .prefault({}),
    pollInitialMs: ms(30_000),
    pollMaxMs: ms(5 * MIN),
    pollBackoff: z.number().min(1).default(1.5),
    healthyChecksRequired: z.number().int().min(1).default(3),
    rolloutTimeoutMs: ms(10 * MIN),
    /** Continue-as-new after this many monitor polls, keeping each run's history bounded. */
    pollsPerRun: z.number().int().min(1).default(100),
    /** Caps every probe's own timeout (drills use a few seconds). */
    probeTimeoutMs: z.number().int().positive().optional(),
    /**
     * A real (billed) call at least this often while an incident is open, whatever the status page
     * says: a page that lags or lies cannot hold recovery back, or hide a relapse, for longer.
     */
    realCheckEveryMs: ms(10 * MIN),
    /** Re-checks that must agree before a fault counts as sustained (before any plan changes production). */
    confirmRounds: z.number().int().min(1).max(10).default(2),
    /** Spacing of those re-checks. */
    confirmIntervalMs: ms(15_000),
    /** Fallback re-enabled automatically after at most this many genuine relapses; then a human decides. */
    maxAutoRelapses: z.number().int().min(0).default(3),
  }),
);
export type IncidentTimings = z.infer<typeof IncidentTimingsSchema>;

export const ServiceTargetSchema = lazySchema(() =>
  z.object({
    name: z.string().min(1),
    baseUrl: HttpUrlSchema,
    statusPageUrl: HttpUrlSchema.optional(),
    apiHost: z.string().optional(),
    apiKeyRef: SecretRefSchema,
    kubernetes: z.object({
      namespace: z.string().min(1),
      deployment: z.string().min(1),
      container: z.string().optional(),
    }),
    /** The runbook's own settings (its schema, in src/runbooks/<id>, validates them). */
    settings: z.record(z.string(), z.unknown()).optional(),
  }),
);
export type ServiceTarget = z.infer<typeof ServiceTargetSchema>;

/**
 * The runbook document an incident started with (docs/runbooks.md), carried in its input so that
 * it replays and finishes on that text whatever the worker loads later: its id, version and the
 * SHA-256 of its text, and the document as the worker validated it (defaults filled in).
 */
export const RunbookDocumentPinSchema = lazySchema(() =>
  z.object({
    id: z.string().min(1),
    version: z.number().int().positive(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    document: z.unknown(),
  }),
);
export type RunbookDocumentPin = z.infer<typeof RunbookDocumentPinSchema>;

/** `payments v3 (sha256 1f2e3d4c5b6a)`: how people see which document an incident runs. */
export const describeRunbookDocument = (pin: { id: string; version: number; sha256: string }) =>
  `${pin.id} v${pin.version} (sha256 ${pin.sha256.slice(0, 12)})`;

export const IncidentInputSchema = lazySchema(() =>
  z.object({
    runbook: z.string().min(1),
    trigger: z.enum(['manual', 'alert', 'drill', 'synthetic']),
    reporter: z.string().min(1),
    symptom: z.string().default(''),
    suspectedCause: z.string().optional(),
    service: ServiceTargetSchema,
    policy: ApprovalPolicySchema.prefault({}),
    timings: IncidentTimingsSchema.prefault({}),
    /** Decision-table thresholds by name (e.g. slowP95Ms), overriding the runbook's defaults. */
    decisionThresholds: z.record(z.string(), z.number()).optional(),
    /** Explicit workflow id; default `incident-<yyyymmdd>-<slug>`. */
    incidentId: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash, underscore')
      .max(120)
      .optional(),
    /** Probe calls that cost credits, per incident (the hard cap). */
    billedProbeBudget: z.number().int().min(0).default(500),
    /** Billed calls per rolling hour: decides how often a real call may be made while monitoring. */
    billedProbesPerHour: z.number().int().min(1).default(40),
    drill: z.boolean().default(false),
    /** Set when the runbook is a document: the incident is pinned to this exact text. */
    runbookDocument: RunbookDocumentPinSchema.optional(),
  }),
);
export type IncidentInput = z.infer<typeof IncidentInputSchema>;
export type IncidentInputDraft = z.input<typeof IncidentInputSchema>;

export const ApprovalDecisionSchema = lazySchema(() =>
  z.object({
    by: z.string(),
    decision: z.enum(['approved', 'rejected']),
    comment: z.string().optional(),
    at: z.string(),
    /** How `by` was established (see ApprovalViaSchema); absent for self-declared and policy decisions. */
    via: z
      .object({ channel: ApprovalChannelSchema, issuer: z.string().optional(), subject: z.string().optional() })
      .optional(),
  }),
);

export const ApprovalRequestSchema = lazySchema(() =>
  z.object({
    stepId: z.string(),
    description: z.string(),
    kubectl: z.string().optional(),
    requestedAt: z.string(),
    deadline: z.string(),
    required: z.number().int(),
    decisions: z.array(ApprovalDecisionSchema),
    /** `superseded`: the incident was re-triaged to another cause before anyone decided. */
    outcome: z.enum(['pending', 'approved', 'rejected', 'timed_out', 'superseded']),
    /** Exact command a human runs to approve. */
    approveCommand: z.string(),
    /** The step waits for a secret reference, not an approve/reject decision. */
    awaits: z.literal('secret-ref').optional(),
  }),
);
export type ApprovalRequest = z.infer<typeof ApprovalRequestSchema>;

/** One cause the incident was judged to have, in order: the last is the final cause. */
export const CauseChangeSchema = lazySchema(() =>
  z.object({
    cause: z.string(),
    severity: SeveritySchema,
    at: z.string(),
    /** Why the engine moved to this cause (the first: the triage rationale). */
    why: z.string(),
  }),
);
export type CauseChange = z.infer<typeof CauseChangeSchema>;

export const IncidentStatusSchema = lazySchema(() =>
  z.object({
    incidentId: z.string(),
    runbook: z.string(),
    state: IncidentStateSchema,
    communicationStatus: z.enum(COMMUNICATION_STATUSES),
    severity: SeveritySchema.nullable(),
    cause: z.string().nullable(),
    rationale: z.string().nullable(),
    owner: z.string().nullable(),
    acknowledged: z.boolean(),
    pendingApprovals: z.array(ApprovalRequestSchema),
    /** Monitoring progress, e.g. 2 of 3 healthy checks. */
    monitor: z
      .object({ healthyStreak: z.number().int(), required: z.number().int(), polls: z.number().int() })
      .nullable(),
    nextUpdateAt: z.string().nullable(),
    mutations: z.array(MutationRecordSchema),
    startedAt: z.string(),
    causes: z.array(CauseChangeSchema).default([]),
    /** Why triage cannot run, while the incident is blocked. */
    blocker: z.string().nullable().default(null),
    /** Alerts this incident received (the timeline keeps only the first few per fingerprint). */
    alertsReceived: z.number().int().default(0),
    /** Why the engine handed the incident to a human, and since when (state needs_human). */
    handedOver: z.object({ reason: z.string(), at: z.string() }).nullable().default(null),
    /** What the reporter saw, as they said it (empty when none was given). */
    symptom: z.string().default(''),
    /** While nobody has acknowledged: when the response time (SLA) runs out and the next on-call is paged. */
    responseDueAt: z.string().nullable().default(null),
    /** When the incident ended; null while it is open. */
    endedAt: z.string().nullable().default(null),
    /** The runbook document the incident is pinned to (null when it pinned none). */
    runbookDocument: z
      .object({ id: z.string(), version: z.number().int(), sha256: z.string() })
      .nullable()
      .default(null),
  }),
);
export type IncidentStatus = z.infer<typeof IncidentStatusSchema>;

export const IncidentResultSchema = lazySchema(() =>
  z.object({
    incidentId: z.string(),
    state: IncidentStateSchema,
    severity: SeveritySchema.nullable(),
    cause: z.string().nullable(),
    decision: DecisionSchema.nullable(),
    timeline: z.array(TimelineEntrySchema),
    approvals: z.array(ApprovalDecisionSchema.extend({ stepId: z.string() })),
    mutations: z.array(MutationRecordSchema),
    causes: z.array(CauseChangeSchema).default([]),
    postmortem: z.string(),
    postmortemPath: z.string().nullable(),
  }),
);
export type IncidentResult = z.infer<typeof IncidentResultSchema>;

export { ProbeResultSchema };
