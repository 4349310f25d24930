import { condition, isCancellation } from '@temporalio/workflow';
import { handOverChoices, type NotificationMessage } from '../../contract/index.ts';
import { notifyActivities } from './activities.ts';
import type { NotifyPort, TimelinePort } from './ports.ts';
import type { RunbookDefinition } from './runbook.ts';
import type { IncidentSnapshot } from './snapshot.ts';
import { nextUpdateDue, renderStatusMessage } from './status-message.ts';

const nowIso = () => new Date(Date.now()).toISOString();

/** What communications read besides the snapshot: the timeline, and whether the run is over. */
export interface CommunicationsPorts {
  timeline: Pick<TimelinePort, 'add'>;
  isClosed(): boolean;
  /** The plan is over: the loops stop. */
  finished(): boolean;
}

/**
 * Stakeholders and on-call: status updates (at every state change and when due), the SLA
 * escalation until someone acknowledges, and pages. A sink that fails is recorded, never fatal.
 */
export class Communications implements NotifyPort {
  private readonly s: IncidentSnapshot;
  private readonly runbook: RunbookDefinition;
  private readonly ports: CommunicationsPorts;
  private inFlight = 0;

  constructor(snapshot: IncidentSnapshot, runbook: RunbookDefinition, ports: CommunicationsPorts) {
    this.s = snapshot;
    this.runbook = runbook;
    this.ports = ports;
  }

  private get cause() {
    return this.s.decision ? this.runbook.causes[this.s.decision.cause] : undefined;
  }

  async escalate(reason: string): Promise<void> {
    this.s.escalations += 1;
    this.ports.timeline.add('escalation', reason, { escalation: this.s.escalations });
    await this.notify('escalation', undefined, reason);
  }

  async notify(
    kind: NotificationMessage['kind'],
    approval?: NotificationMessage['approval'],
    escalation?: string,
  ): Promise<void> {
    // The state the message was written for: it may change while the message is being delivered.
    const state = this.s.state;
    const severity = this.s.decision?.severity ?? null;
    const everyMs = severity ? this.s.input.timings.updateEveryMs[severity] : null;
    if (kind === 'status' || kind === 'reminder')
      this.s.nextUpdateAt = this.ports.isClosed() ? null : nextUpdateDue(nowIso(), everyMs);
    const message = renderStatusMessage({
      incidentId: this.s.incidentId,
      title: this.runbook.title,
      kind,
      severity,
      state: this.s.state,
      impact: this.cause?.impact ?? 'Under investigation',
      cause: this.s.rootCause ?? this.s.decision?.rationale ?? 'Under investigation',
      action: this.currentAction(),
      nextUpdateAt: this.s.nextUpdateAt,
      owner: this.s.acknowledgedBy,
      approval,
      escalation,
      // Waiting on an approval after mitigation is still MITIGATED for stakeholders.
      mitigated: this.mitigationInPlace(),
    });
    // The hand-over's escalation offers the human's choices where a channel can show them as buttons.
    if (kind === 'escalation' && state === 'needs_human')
      message.choices = handOverChoices(this.s.approvals, this.s.mutations);
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
    return this.s.mutations.some((m) => !m.revertedAt && m.op.kind !== 'rollout-restart');
  }

  /** The "Action:" line: what is being done right now, in the stakeholders' words. */
  private currentAction(): string {
    const cause = this.cause;
    const s = this.s;
    if (s.state === 'resolved') return `Resolved. ${s.summary ?? ''}`.trim();
    if (s.state === 'closed') return `Closed: ${s.summary ?? 'no fault to fix'}`;
    if (s.state === 'cancelled') return `${s.summary ?? 'Cancelled'}. Changes not deliberately kept were reverted.`;
    if (s.state === 'failed') return `Failed: ${s.summary ?? 'the engine could not go on'}. A human must take over.`;
    if (s.state === 'needs_human') {
      const inPlace = s.mutations.filter((m) => !m.revertedAt && m.op.kind !== 'rollout-restart').map((m) => m.change);
      return `Escalated to a human: ${s.handedOver?.reason ?? 'the fix did not take'}. ${inPlace.length ? `Still in place: ${inPlace.join(', ')}.` : 'No change is in place.'} Watching real calls.`;
    }
    const pending = s.approvals.filter((a) => a.outcome === 'pending').map((a) => a.stepId);
    if (pending.length) return `Waiting for approval: ${pending.join(', ')}. ${cause?.action ?? ''}`.trim();
    if (s.state === 'monitoring' && !this.mitigationInPlace()) {
      const declined = s.approvals
        .filter((a) => a.outcome === 'rejected' || a.outcome === 'timed_out')
        .map((a) => a.stepId);
      return `Monitoring until real calls succeed again; no change is in place${declined.length ? ` (${declined.join(', ')} not approved)` : ''}.`;
    }
    if (s.state === 'blocked') return `Triage blocked: ${s.blocker ?? 'probes cannot run'}`;
    return cause?.action ?? 'Running triage';
  }

  /** SLA: escalate until someone acknowledges. */
  async slaLoop(): Promise<void> {
    const severity = this.s.decision?.severity;
    if (!severity) return;
    const t = this.s.input.timings;
    this.s.nextEscalationAt ??= new Date(Date.parse(this.s.startedAt) + t.slaMs[severity]).toISOString();
    while (!this.ports.finished() && !this.s.acknowledgedBy) {
      const waitMs = Math.max(0, Date.parse(this.s.nextEscalationAt) - Date.now());
      const stop = await condition(() => this.ports.finished() || this.s.acknowledgedBy !== null, waitMs);
      if (stop) break;
      this.s.nextEscalationAt = new Date(Date.now() + t.escalationEveryMs).toISOString();
      await this.escalate(
        `${severity} not acknowledged within its response time (${Math.round(t.slaMs[severity] / 60_000)} min SLA) — page the next on-call`,
      );
    }
  }

  /** Stakeholder updates: at every state change, and a reminder when one is due. */
  async updateLoop(): Promise<void> {
    const moved = () => this.ports.finished() || this.s.stateVersion !== this.s.lastNotifiedVersion;
    while (!this.ports.finished()) {
      const due = this.s.nextUpdateAt ? Math.max(0, Date.parse(this.s.nextUpdateAt) - Date.now()) : undefined;
      const changed = due === undefined ? await condition(moved).then(() => true) : await condition(moved, due);
      // The closing update is the closer's to send, once: never a second one from here.
      if (this.ports.finished() || this.ports.isClosed()) break;
      this.s.lastNotifiedVersion = this.s.stateVersion;
      await this.notify(changed ? 'status' : 'reminder');
    }
  }
}
