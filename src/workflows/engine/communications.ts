import { condition, isCancellation } from '@temporalio/workflow';
import { handOverChoices, type NotificationMessage } from '../../contract/index.ts';
import { notifyActivities } from './activities.ts';
import type { NotifyPort, TimelinePort } from './ports.ts';
import type { RunbookDefinition } from './runbook.ts';
import type { IncidentView } from './snapshot.ts';
import type { CommsSlice } from './slices.ts';
import { nextUpdateDue, renderStatusMessage } from './status-message.ts';

const nowIso = () => new Date(Date.now()).toISOString();

/** What communications read: the incident, the timeline, and whether the run is over. */
export interface CommunicationsPorts {
  timeline: Pick<TimelinePort, 'add' | 'note' | 'markChanged'>;
  incident: Pick<
    IncidentView,
    | 'input'
    | 'incidentId'
    | 'startedAt'
    | 'state'
    | 'stateVersion'
    | 'decision'
    | 'rootCause'
    | 'summary'
    | 'blocker'
    | 'handedOver'
    | 'approvals'
    | 'mutations'
  >;
  isClosed(): boolean;
  /** The plan is over: the loops stop. */
  finished(): boolean;
}

/**
 * Stakeholders and on-call: status updates (at every state change and when due), the SLA
 * escalation until someone acknowledges, and pages. A sink that fails is recorded, never fatal.
 */
export class Communications implements NotifyPort {
  /** Who owns the incident, and when the next update and escalation are due. */
  private readonly clocks: CommsSlice;
  private readonly runbook: RunbookDefinition;
  private readonly ports: CommunicationsPorts;
  private inFlight = 0;

  constructor(clocks: CommsSlice, runbook: RunbookDefinition, ports: CommunicationsPorts) {
    this.clocks = clocks;
    this.runbook = runbook;
    this.ports = ports;
  }

  private get incident() {
    return this.ports.incident;
  }

  private get cause() {
    return this.incident.decision ? this.runbook.causes[this.incident.decision.cause] : undefined;
  }

  /** Someone took the incident: the SLA escalation stops, and stakeholders hear who owns it. */
  acknowledge(by: string): void {
    if (this.clocks.acknowledgedBy) {
      this.ports.timeline.note(`${by} acknowledged (owner stays @${this.clocks.acknowledgedBy})`);
      return;
    }
    this.clocks.acknowledgedBy = by;
    this.ports.timeline.markChanged();
    this.ports.timeline.note(`Acknowledged by ${by}: owner is now @${by}`, { by });
  }

  /** The incident closed: no reminder is due, and the closing update (the closer's) counts as sent. */
  stopUpdates(): void {
    this.clocks.nextUpdateAt = null;
    this.clocks.lastNotifiedVersion = this.incident.stateVersion;
  }

  async escalate(reason: string): Promise<void> {
    this.clocks.escalations += 1;
    this.ports.timeline.add('escalation', reason, { escalation: this.clocks.escalations });
    await this.notify('escalation', undefined, reason);
  }

  async notify(
    kind: NotificationMessage['kind'],
    approval?: NotificationMessage['approval'],
    escalation?: string,
  ): Promise<void> {
    // The state the message was written for: it may change while the message is being delivered.
    const state = this.incident.state;
    const severity = this.incident.decision?.severity ?? null;
    const everyMs = severity ? this.incident.input.timings.updateEveryMs[severity] : null;
    if (kind === 'status' || kind === 'reminder')
      this.clocks.nextUpdateAt = this.ports.isClosed() ? null : nextUpdateDue(nowIso(), everyMs);
    const message = renderStatusMessage({
      incidentId: this.incident.incidentId,
      title: this.runbook.title,
      kind,
      severity,
      state: this.incident.state,
      impact: this.cause?.impact ?? 'Under investigation',
      cause: this.incident.rootCause ?? this.incident.decision?.rationale ?? 'Under investigation',
      action: this.currentAction(),
      nextUpdateAt: this.clocks.nextUpdateAt,
      owner: this.clocks.acknowledgedBy,
      approval,
      escalation,
      // Waiting on an approval after mitigation is still MITIGATED for stakeholders.
      mitigated: this.mitigationInPlace(),
    });
    // The hand-over's escalation offers the human's choices where a channel can show them as buttons.
    if (kind === 'escalation' && state === 'needs_human')
      message.choices = handOverChoices(this.incident.approvals, this.incident.mutations);
    const add = this.ports.timeline.add.bind(this.ports.timeline);
    this.inFlight += 1;
    try {
      const deliveries = await notifyActivities.notify(message);
      const failed = deliveries.filter((d) => !d.ok);
      const summary = `${kind} update sent (${message.status})${deliveries.length ? `: ${deliveries.filter((d) => d.ok).length}/${deliveries.length} sinks ok` : ''}`;
      add(
        'notification',
        failed.length
          ? `${summary}; failed: ${failed.map((d) => `${d.sink} (${d.error ?? 'error'})`).join(', ')} — retried at the next update`
          : summary,
        {
          kind,
          status: message.status,
          state,
          failed: failed.map((d) => d.sink),
        },
      );
    } catch (err) {
      if (isCancellation(err)) throw err;
      add('notification', `${kind} update could not be sent: ${(err as Error).message} — retried at the next update`, {
        kind,
        failed: ['all'],
      });
    } finally {
      this.inFlight -= 1;
    }
  }

  /** Until no update is being delivered: the closing message must be the last one stakeholders get. */
  async quiet(): Promise<void> {
    await condition(() => this.inFlight === 0);
  }

  private mitigationInPlace(): boolean {
    return this.incident.mutations.some((m) => !m.revertedAt && m.op.kind !== 'rollout-restart');
  }

  /** The "Action:" line: what is being done right now, in the stakeholders' words. */
  private currentAction(): string {
    const cause = this.cause;
    const incident = this.incident;
    if (incident.state === 'resolved') return `Resolved. ${incident.summary ?? ''}`.trim();
    if (incident.state === 'closed') return `Closed: ${incident.summary ?? 'no fault to fix'}`;
    if (incident.state === 'cancelled')
      return `${incident.summary ?? 'Cancelled'}. Changes not deliberately kept were reverted.`;
    if (incident.state === 'failed')
      return `Failed: ${incident.summary ?? 'the engine could not go on'}. A human must take over.`;
    if (incident.state === 'needs_human') {
      const inPlace = incident.mutations
        .filter((m) => !m.revertedAt && m.op.kind !== 'rollout-restart')
        .map((m) => m.change);
      return `Escalated to a human: ${incident.handedOver?.reason ?? 'the fix did not take'}. ${inPlace.length ? `Still in place: ${inPlace.join(', ')}.` : 'No change is in place.'} Watching real calls.`;
    }
    const pending = incident.approvals.filter((a) => a.outcome === 'pending').map((a) => a.stepId);
    if (pending.length) return `Waiting for approval: ${pending.join(', ')}. ${cause?.action ?? ''}`.trim();
    if (incident.state === 'monitoring' && !this.mitigationInPlace()) {
      const declined = incident.approvals
        .filter((a) => a.outcome === 'rejected' || a.outcome === 'timed_out')
        .map((a) => a.stepId);
      return `Monitoring until real calls succeed again; no change is in place${declined.length ? ` (${declined.join(', ')} not approved)` : ''}.`;
    }
    if (incident.state === 'blocked') return `Triage blocked: ${incident.blocker ?? 'probes cannot run'}`;
    return cause?.action ?? 'Running triage';
  }

  /** SLA: escalate until someone acknowledges. */
  async slaLoop(): Promise<void> {
    const severity = this.incident.decision?.severity;
    if (!severity) return;
    const t = this.incident.input.timings;
    this.clocks.nextEscalationAt ??= new Date(Date.parse(this.incident.startedAt) + t.slaMs[severity]).toISOString();
    while (!this.ports.finished() && !this.clocks.acknowledgedBy) {
      const waitMs = Math.max(0, Date.parse(this.clocks.nextEscalationAt) - Date.now());
      const stop = await condition(() => this.ports.finished() || this.clocks.acknowledgedBy !== null, waitMs);
      if (stop) break;
      this.clocks.nextEscalationAt = new Date(Date.now() + t.escalationEveryMs).toISOString();
      await this.escalate(
        `${severity} not acknowledged within its response time (${Math.round(t.slaMs[severity] / 60_000)} min SLA) — page the next on-call`,
      );
    }
  }

  /** Stakeholder updates: at every state change, and a reminder when one is due. */
  async updateLoop(): Promise<void> {
    const moved = () => this.ports.finished() || this.incident.stateVersion !== this.clocks.lastNotifiedVersion;
    while (!this.ports.finished()) {
      const due = this.clocks.nextUpdateAt ? Math.max(0, Date.parse(this.clocks.nextUpdateAt) - Date.now()) : undefined;
      const changed = due === undefined ? await condition(moved).then(() => true) : await condition(moved, due);
      // The closing update is the closer's to send, once: never a second one from here.
      if (this.ports.finished() || this.ports.isClosed()) break;
      this.clocks.lastNotifiedVersion = this.incident.stateVersion;
      await this.notify(changed ? 'status' : 'reminder');
    }
  }
}
