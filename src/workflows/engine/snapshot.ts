import type { IncidentInput } from '../../contract/index.ts';
import type {
  AlertsSlice,
  BudgetSlice,
  ClosingSlice,
  CommsSlice,
  GateSlice,
  HandOverSlice,
  IdentitySlice,
  IncidentSlices,
  InterruptionSlice,
  LedgerSlice,
  ObserverSlice,
  RecordSlice,
  RunSlice,
  TriageSlice,
} from './slices.ts';

/**
 * The incident as one object: the parts' slices (slices.ts) cut from it when a run starts, put
 * back together for continue-as-new, and read live through `IncidentView`.
 */

/** Everything an incident knows, flat: what continue-as-new carries and stored histories hold. */
export interface IncidentSnapshot
  extends
    IdentitySlice,
    RunSlice,
    InterruptionSlice,
    RecordSlice,
    TriageSlice,
    BudgetSlice,
    ObserverSlice,
    GateSlice,
    LedgerSlice,
    CommsSlice,
    HandOverSlice,
    ClosingSlice,
    AlertsSlice {}

type ReadonlyField<T> = T extends Array<infer E> ? readonly E[] : T extends object ? Readonly<T> : T;

/** The whole incident as the parts read it: live, and written by nobody. */
export type IncidentView = { readonly [K in keyof IncidentSnapshot]: ReadonlyField<IncidentSnapshot[K]> };

/** Each field's slice, in the order the snapshot carries them. */
const FIELD_SLICES: { [K in keyof IncidentSnapshot]-?: keyof IncidentSlices } = {
  input: 'identity',
  serviceName: 'identity',
  incidentId: 'identity',
  startedAt: 'identity',
  endedAt: 'closing',
  state: 'record',
  stateVersion: 'record',
  decision: 'triage',
  timeline: 'record',
  mutations: 'ledger',
  approvals: 'gate',
  acknowledgedBy: 'comms',
  rootCause: 'record',
  manualResolution: 'interruptions',
  cancellation: 'interruptions',
  billedProbes: 'budget',
  probeHistory: 'triage',
  completedStages: 'record',
  secretRefs: 'gate',
  nextUpdateAt: 'comms',
  nextEscalationAt: 'comms',
  escalations: 'comms',
  lastNotifiedVersion: 'comms',
  run: 'run',
  postmortemPath: 'closing',
  summary: 'closing',
  causes: 'triage',
  blocker: 'triage',
  observer: 'observer',
  billedLog: 'budget',
  probeKeyRef: 'triage',
  // The optional fields in the order an incident opened from the CLI first sets them.
  timelineSeq: 'record',
  clearedBeforeChange: 'triage',
  handedOver: 'handOver',
  humanRequests: 'handOver',
  alerts: 'alerts',
};

const fields = Object.entries(FIELD_SLICES) as Array<[keyof IncidentSnapshot, keyof IncidentSlices]>;

/** The snapshot cut into the parts' slices (the values are shared, not copied). */
export function sliceSnapshot(snapshot: IncidentSnapshot): IncidentSlices {
  // Every slice owns a field of the snapshot, so every slice is made here, empty or not.
  const slices = Object.fromEntries(fields.map(([, slice]) => [slice, {}])) as Record<
    keyof IncidentSlices,
    Record<string, unknown>
  >;
  for (const [field, slice] of fields) if (field in snapshot) slices[slice][field] = snapshot[field];
  return slices as unknown as IncidentSlices;
}

const fieldOf = (slices: IncidentSlices, field: keyof IncidentSnapshot, slice: keyof IncidentSlices) =>
  (slices[slice] as unknown as Record<string, unknown>)[field];

/** The slices put back together for continue-as-new, in the order the snapshot always had. */
export function assembleSnapshot(slices: IncidentSlices): IncidentSnapshot {
  const snapshot: Record<string, unknown> = {};
  for (const [field, slice] of fields) {
    const value = fieldOf(slices, field, slice);
    if (value !== undefined) snapshot[field] = value;
  }
  return snapshot as unknown as IncidentSnapshot;
}

/** A live, read-only view over the slices: every read answers what the owning part holds now. */
export function viewOf(slices: IncidentSlices): IncidentView {
  const view = {};
  for (const [field, slice] of fields)
    Object.defineProperty(view, field, { enumerable: true, get: () => fieldOf(slices, field, slice) });
  return view as IncidentView;
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
