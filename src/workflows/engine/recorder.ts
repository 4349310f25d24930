import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { log, upsertMemo, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import {
  communicationStatus,
  describeRunbookDocument,
  SEARCH_ATTRIBUTES,
  type RunbookDocumentPin,
  type IncidentResult,
  type IncidentState,
  type IncidentStatus,
  type TimelineEntry,
  type TimelineKind,
} from '../../contract/index.ts';
import { appendBounded, boundCauses, boundedEntry } from './bounds.ts';
import type { TimelinePort } from './ports.ts';
import { renderPostmortem } from './postmortem.ts';
import type { RunbookDefinition } from './runbook.ts';
import type { IncidentSnapshot } from './snapshot.ts';

const nowIso = () => new Date(Date.now()).toISOString();

const CLOSED_STATES: readonly IncidentState[] = ['resolved', 'closed', 'cancelled', 'failed'];

/**
 * Search attributes as an upsert: only the ones whose value differs from what the execution already
 * holds (set at start, or by an earlier upsert), so no history event changes nothing.
 */
export function upsertAttributes(pairs: SearchAttributeUpdatePair[]): void {
  const attributes = workflowInfo().typedSearchAttributes;
  const changed = pairs.filter((p) => attributes.get(p.key) !== p.value);
  if (changed.length > 0) upsertSearchAttributes(changed);
}

/** What every outside view of the incident shares: status(), the memo and result() all start here. */
/** What people see of a pinned document: never the document itself. */
const pinOf = (pin: RunbookDocumentPin | undefined) =>
  pin ? { id: pin.id, version: pin.version, sha256: pin.sha256 } : null;

export interface IncidentProjection {
  runbook: string;
  title: string;
  state: IncidentState;
  severity: IncidentStatus['severity'];
  cause: string | null;
  rationale: string | null;
  causes: IncidentStatus['causes'];
  blocker: string | null;
}

/**
 * The incident's record: timeline entries, the state, and what the outside sees of them (memo,
 * search attributes, status, result, postmortem). Owns no I/O: upserts are workflow commands.
 */
export class IncidentRecorder implements TimelinePort {
  private readonly s: IncidentSnapshot;
  private readonly runbook: RunbookDefinition;

  constructor(snapshot: IncidentSnapshot, runbook: RunbookDefinition) {
    this.s = snapshot;
    this.runbook = runbook;
  }

  add(kind: TimelineKind, message: string, data?: unknown, at?: string): TimelineEntry {
    // Whatever arrives, the timeline stays within its bounds: it is carried across continue-as-new and answers queries.
    this.s.timelineSeq = (this.s.timelineSeq ?? this.s.timeline.length) + 1;
    const entry = boundedEntry({
      at: at ?? nowIso(),
      kind,
      message,
      ...(data === undefined ? {} : { data }),
      seq: this.s.timelineSeq,
    });
    appendBounded(this.s.timeline, entry);
    if (kind === 'decision') this.s.causes = boundCauses(this.s.causes);
    log.info('timeline', { incidentId: this.s.incidentId, kind, message });
    return entry;
  }

  note(message: string, data?: unknown): void {
    this.add('note', message, data);
  }

  setState(state: IncidentState, why?: string): void {
    if (this.s.state === state) return;
    this.s.state = state;
    this.s.stateVersion += 1;
    this.add('state', `${state}${why ? `: ${why}` : ''}`);
    upsertAttributes([{ key: SEARCH_ATTRIBUTES.state, value: state }]);
    this.publish();
  }

  /** The first entry of a new incident: the state it opens in, as it was reported. */
  open(): void {
    // A carried-over timeline (continue-as-new) was opened already. Signals handled before the first
    // run (the alert that started it, an acknowledgement, a note) must not keep the incident from opening.
    if (this.s.timeline.some((e) => e.kind === 'state')) return;
    const input = this.s.input;
    this.add(
      'state',
      `investigating: ${input.trigger} by ${input.reporter}${input.symptom ? ` — "${input.symptom}"` : ''}`,
    );
    if (input.runbookDocument)
      this.add(
        'note',
        `Runbook document ${describeRunbookDocument(input.runbookDocument)}: this incident runs on this text to its end`,
      );
    // Sent only when the start request did not set it already (runbook start, the console and the intake do).
    upsertAttributes([{ key: SEARCH_ATTRIBUTES.state, value: 'investigating' }]);
    // No memo yet: only a closed incident is read from its memo, and every way to close (a decision,
    // a state change, a human's cancel while blocked) publishes it first.
  }

  isClosed(): boolean {
    return CLOSED_STATES.includes(this.s.state);
  }

  /** Runs `fn` once per incident, even across continue-as-new. */
  async stage<T>(name: string, fn: () => Promise<T>): Promise<T | undefined> {
    if (this.s.completedStages.includes(name)) return undefined;
    const value = await fn();
    this.s.completedStages.push(name);
    return value;
  }

  projection(): IncidentProjection {
    const d = this.s.decision;
    return {
      runbook: this.runbook.id,
      title: this.runbook.title,
      state: this.s.state,
      severity: d?.severity ?? null,
      cause: d?.cause ?? null,
      rationale: d?.rationale ?? null,
      causes: this.s.causes,
      blocker: this.s.blocker,
    };
  }

  publish(): void {
    const p = this.projection();
    const input = this.s.input;
    const summary = {
      runbook: p.runbook,
      title: p.title,
      state: p.state,
      severity: p.severity,
      cause: p.cause,
      rationale: p.rationale,
      symptom: input.symptom,
      reporter: input.reporter,
      service: input.service.name,
      trigger: input.trigger,
      causes: p.causes.map((c) => c.cause),
      blocker: p.blocker,
      ...(input.runbookDocument ? { runbookDocument: pinOf(input.runbookDocument) } : {}),
    };
    // A memo that says what the execution's memo says already is not sent again.
    if (JSON.stringify(workflowInfo().memo?.summary) === JSON.stringify(summary)) return;
    upsertMemo({ summary });
  }

  status(monitor: IncidentStatus['monitor']): IncidentStatus {
    const p = this.projection();
    return {
      incidentId: this.s.incidentId,
      runbook: p.runbook,
      state: p.state,
      communicationStatus: communicationStatus(p.state),
      severity: p.severity,
      cause: p.cause,
      rationale: p.rationale,
      owner: this.s.acknowledgedBy,
      acknowledged: this.s.acknowledgedBy !== null,
      pendingApprovals: this.s.approvals.filter((a) => a.outcome === 'pending'),
      monitor,
      nextUpdateAt: this.s.nextUpdateAt,
      mutations: this.s.mutations,
      startedAt: this.s.startedAt,
      causes: p.causes,
      blocker: p.blocker,
      alertsReceived: this.s.alerts?.received ?? this.s.timeline.filter((e) => e.kind === 'alert').length,
      handedOver: this.s.handedOver ? { reason: this.s.handedOver.reason, at: this.s.handedOver.at } : null,
      symptom: this.s.input.symptom,
      responseDueAt: this.s.acknowledgedBy === null && !this.isClosed() ? (this.s.nextEscalationAt ?? null) : null,
      endedAt: this.s.endedAt,
      runbookDocument: pinOf(this.s.input.runbookDocument),
    };
  }

  postmortem(): string {
    const p = this.projection();
    return renderPostmortem({
      title: p.title,
      incidentId: this.s.incidentId,
      startedAt: this.s.startedAt,
      endedAt: this.s.endedAt,
      decision: this.s.decision,
      causeSummary: p.cause ? (this.runbook.causes[p.cause]?.summary ?? null) : null,
      summary: this.s.summary ?? p.rationale ?? 'Incident in progress.',
      rootCause: this.s.rootCause,
      timeline: this.s.timeline,
      mutations: this.s.mutations,
      causes: p.causes,
      actionItems: (p.cause ? this.runbook.causes[p.cause]?.actionItems : undefined) ?? [],
      owner: this.s.acknowledgedBy,
      state: p.state,
      runbookDocument: pinOf(this.s.input.runbookDocument),
    });
  }

  result(): IncidentResult {
    const p = this.projection();
    return {
      incidentId: this.s.incidentId,
      state: p.state,
      severity: p.severity,
      cause: p.cause,
      decision: this.s.decision,
      timeline: this.s.timeline,
      approvals: this.s.approvals.flatMap((a) => a.decisions.map((d) => ({ ...d, stepId: a.stepId }))),
      mutations: this.s.mutations,
      causes: p.causes,
      postmortem: this.postmortem(),
      postmortemPath: this.s.postmortemPath,
    };
  }
}
