import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { log, upsertMemo, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import {
  ATTENTION_STEPS_MAX,
  communicationStatus,
  describeRunbookDocument,
  ENDED_INCIDENT_STATES,
  SEARCH_ATTRIBUTES,
  NO_ATTENTION,
  type RunbookDocumentPin,
  type IncidentAttention,
  type IncidentResult,
  type IncidentState,
  type IncidentStatus,
  type TimelineEntry,
  type TimelineKind,
} from '../../contract/index.ts';
import { appendBounded, boundedEntry, raiseRepeats } from './bounds.ts';
import type { TimelinePort } from './ports.ts';
import { renderPostmortem } from './postmortem.ts';
import type { RunbookDefinition } from './runbook.ts';
import type { IncidentView } from './snapshot.ts';
import type { RecordSlice } from './slices.ts';

const nowIso = () => new Date(Date.now()).toISOString();

const CLOSED_STATES = ENDED_INCIDENT_STATES;

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
  private readonly record: RecordSlice;
  private readonly runbook: RunbookDefinition;
  /** The rest of the incident, read for status, memo, result and postmortem. */
  private readonly incident: IncidentView;
  /** A memo command is due at the end of this turn (see `publish`). */
  private publishQueued = false;

  constructor(record: RecordSlice, runbook: RunbookDefinition, incident: IncidentView) {
    this.record = record;
    this.runbook = runbook;
    this.incident = incident;
  }

  timeline(): readonly TimelineEntry[] {
    return this.record.timeline;
  }

  add(kind: TimelineKind, message: string, data?: unknown, at?: string): TimelineEntry {
    // Whatever arrives, the timeline stays within its bounds: it is carried across continue-as-new and answers queries.
    const record = this.record;
    record.timelineSeq = (record.timelineSeq ?? record.timeline.length) + 1;
    const entry = boundedEntry({
      at: at ?? nowIso(),
      kind,
      message,
      ...(data === undefined ? {} : { data }),
      seq: record.timelineSeq,
    });
    appendBounded(record.timeline, entry);
    log.info('timeline', { incidentId: this.incident.incidentId, kind, message });
    // Whatever people are asked or told comes with an entry: a list reads the memo, so it follows.
    if (this.attentionMoved()) this.publish();
    return entry;
  }

  /**
   * Raises the repeat count of the last entry `same` matches while it is on the timeline (a repeated
   * alert); false when it is elided.
   */
  repeated(same: (e: TimelineEntry) => boolean, now: string): boolean {
    return raiseRepeats(this.record.timeline, same, now);
  }

  markChanged(): void {
    this.record.stateVersion += 1;
  }

  get stateVersion(): number {
    return this.record.stateVersion;
  }

  /** A human named the root cause: stakeholder updates and the postmortem say it from now on. */
  setRootCause(text: string): void {
    this.record.rootCause = text;
  }

  note(message: string, data?: unknown): void {
    this.add('note', message, data);
  }

  setState(state: IncidentState, why?: string): void {
    if (this.record.state === state) return;
    this.record.state = state;
    this.record.stateVersion += 1;
    this.add('state', `${state}${why ? `: ${why}` : ''}`);
    upsertAttributes([{ key: SEARCH_ATTRIBUTES.state, value: state }]);
    this.publish();
  }

  /** The first entry of a new incident: the state it opens in, as it was reported. */
  open(): void {
    // A carried-over timeline (continue-as-new) was opened already. Signals handled before the first
    // run (the alert that started it, an acknowledgement, a note) must not keep the incident from opening.
    if (this.record.timeline.some((e) => e.kind === 'state')) return;
    const input = this.incident.input;
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
    // No memo yet: nothing before the decision needs one. A list reads the state the start request
    // set; an acknowledgement or an approval asked publishes it (`add`), and every way to close (a
    // decision, a state change, a human's cancel while blocked) publishes it first.
  }

  isClosed(): boolean {
    return CLOSED_STATES.includes(this.record.state);
  }

  /** Runs `fn` once per incident, even across continue-as-new. */
  async stage<T>(name: string, fn: () => Promise<T>): Promise<T | undefined> {
    if (this.record.completedStages.includes(name)) return undefined;
    const value = await fn();
    this.record.completedStages.push(name);
    return value;
  }

  projection(): IncidentProjection {
    const d = this.incident.decision;
    return {
      runbook: this.runbook.id,
      title: this.runbook.title,
      state: this.record.state,
      severity: d?.severity ?? null,
      cause: d?.cause ?? null,
      rationale: d?.rationale ?? null,
      causes: [...this.incident.causes],
      blocker: this.incident.blocker,
    };
  }

  /** Owner, pending approvals and hand-over as the memo carries them (`IncidentAttention`). */
  attention(): IncidentAttention {
    const pending = this.incident.approvals.filter((a) => a.outcome === 'pending');
    return {
      owner: this.incident.acknowledgedBy,
      approvalsPending: pending.length,
      pendingSteps: pending
        .slice(0, ATTENTION_STEPS_MAX)
        .map((a) => ({ stepId: a.stepId, requestedAt: a.requestedAt })),
      handedOverAt: this.incident.handedOver?.at ?? null,
    };
  }

  private attentionMoved(): boolean {
    const published = (workflowInfo().memo?.summary as { attention?: unknown } | undefined)?.attention;
    return JSON.stringify(published ?? NO_ATTENTION) !== JSON.stringify(this.attention());
  }

  /**
   * Re-publishes the memo once the workflow code that changed it has run its course: a state change,
   * its approval request and its decision made in one turn are one memo command, not three.
   */
  publish(): void {
    if (this.publishQueued) return;
    this.publishQueued = true;
    void Promise.resolve().then(() => {
      this.publishQueued = false;
      this.publishNow();
    });
  }

  private publishNow(): void {
    const p = this.projection();
    const input = this.incident.input;
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
      attention: this.attention(),
      ...(input.runbookDocument ? { runbookDocument: pinOf(input.runbookDocument) } : {}),
    };
    // A memo that says what the execution's memo says already is not sent again.
    if (JSON.stringify(workflowInfo().memo?.summary) === JSON.stringify(summary)) return;
    upsertMemo({ summary });
  }

  status(monitor: IncidentStatus['monitor']): IncidentStatus {
    const p = this.projection();
    return {
      incidentId: this.incident.incidentId,
      runbook: p.runbook,
      state: p.state,
      communicationStatus: communicationStatus(p.state),
      severity: p.severity,
      cause: p.cause,
      rationale: p.rationale,
      owner: this.incident.acknowledgedBy,
      acknowledged: this.incident.acknowledgedBy !== null,
      pendingApprovals: this.incident.approvals.filter((a) => a.outcome === 'pending'),
      monitor,
      nextUpdateAt: this.incident.nextUpdateAt,
      mutations: [...this.incident.mutations],
      startedAt: this.incident.startedAt,
      causes: p.causes,
      blocker: p.blocker,
      alertsReceived: this.incident.alerts?.received ?? this.record.timeline.filter((e) => e.kind === 'alert').length,
      handedOver: this.incident.handedOver
        ? { reason: this.incident.handedOver.reason, at: this.incident.handedOver.at }
        : null,
      symptom: this.incident.input.symptom,
      responseDueAt:
        this.incident.acknowledgedBy === null && !this.isClosed() ? (this.incident.nextEscalationAt ?? null) : null,
      endedAt: this.incident.endedAt,
      runbookDocument: pinOf(this.incident.input.runbookDocument),
    };
  }

  /**
   * The postmortem as written to its file when the incident closed: from then on every view (the
   * result, the query, `runbook postmortem`) shows the file's text, not a newer rendering that a
   * check finishing after the close would change.
   */
  private writtenPostmortem: string | null = null;

  postmortemWritten(markdown: string): void {
    this.writtenPostmortem = markdown;
  }

  postmortem(): string {
    return this.writtenPostmortem ?? this.render();
  }

  private render(): string {
    const p = this.projection();
    return renderPostmortem({
      title: p.title,
      incidentId: this.incident.incidentId,
      startedAt: this.incident.startedAt,
      endedAt: this.incident.endedAt,
      decision: this.incident.decision,
      causeSummary: p.cause ? (this.runbook.causes[p.cause]?.summary ?? null) : null,
      summary: this.incident.summary ?? p.rationale ?? 'Incident in progress.',
      rootCause: this.record.rootCause,
      timeline: this.record.timeline,
      mutations: [...this.incident.mutations],
      causes: p.causes,
      actionItems: (p.cause ? this.runbook.causes[p.cause]?.actionItems : undefined) ?? [],
      owner: this.incident.acknowledgedBy,
      state: p.state,
      runbookDocument: pinOf(this.incident.input.runbookDocument),
    });
  }

  result(): IncidentResult {
    const p = this.projection();
    return {
      incidentId: this.incident.incidentId,
      state: p.state,
      severity: p.severity,
      cause: p.cause,
      decision: this.incident.decision,
      timeline: this.record.timeline,
      approvals: this.incident.approvals.flatMap((a) => a.decisions.map((d) => ({ ...d, stepId: a.stepId }))),
      mutations: [...this.incident.mutations],
      causes: p.causes,
      postmortem: this.postmortem(),
      postmortemPath: this.incident.postmortemPath,
    };
  }
}
