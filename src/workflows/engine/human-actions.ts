import {
  actionContextOf,
  actionRule,
  revertWarning,
  viaText,
  type ActionAnswer,
  type ActionRequest,
  type ApprovalVia,
} from '../../contract/index.ts';
import type { HandOver } from './hand-over.ts';
import type { TimelinePort } from './ports.ts';
import type { InterruptionSlice } from './slices.ts';
import type { IncidentView } from './snapshot.ts';

/** Most choices a human may have waiting on the hand-over at once. */
const PENDING_CHOICES_MAX = 5;

export interface HumanActionPorts {
  incident: Pick<IncidentView, 'state' | 'approvals' | 'mutations'>;
  timeline: Pick<TimelinePort, 'note'>;
  isClosed(): boolean;
  handOver: Pick<HandOver, 'request' | 'pendingChoices'>;
  /** A human took the incident over from outside: the running plan stops. */
  stopPlan(): void;
}

/**
 * What humans do to the incident from outside, checked against the action table: resolve and
 * cancel end the plan (closing reverts what was not kept); verify again and revert a change go to
 * the hand-over, which carries them out.
 */
export class HumanActions {
  /** Who resolved or cancelled the incident, once someone has. */
  private readonly ended: InterruptionSlice;
  private readonly ports: HumanActionPorts;

  constructor(ended: InterruptionSlice, ports: HumanActionPorts) {
    this.ended = ended;
    this.ports = ports;
  }

  interrupted(): boolean {
    return this.ended.manualResolution !== null || this.ended.cancellation !== null;
  }

  /** A human resolves or cancels from outside: the plan is stopped and changes are reverted. */
  interrupt(kind: 'resolve' | 'cancel', by: string, reason: string, via?: ApprovalVia): void {
    const already = kind === 'resolve' ? this.ended.manualResolution : this.ended.cancellation;
    if (this.ports.isClosed() || already) return;
    if (kind === 'resolve') this.ended.manualResolution = { by, reason };
    else this.ended.cancellation = { by, reason };
    this.ports.timeline.note(
      `${kind === 'resolve' ? 'Resolution' : 'Cancellation'} requested by ${by}${viaText(via)}: ${reason}`,
      { by, ...(via ? { via } : {}) },
    );
    this.ports.stopPlan();
  }

  /** Why the action table refuses a human action now, or null. */
  problem(req: ActionRequest): string | null {
    const { manualResolution, cancellation } = this.ended;
    const { state, approvals, mutations } = this.ports.incident;
    if (this.ports.isClosed() || manualResolution || cancellation)
      return `the incident is ${manualResolution ? 'being resolved' : cancellation ? 'being cancelled' : state}: nothing can change it now`;
    const rule = actionRule(state, req.action, actionContextOf(approvals, mutations, req.step));
    if (!rule.allowed)
      return `${req.action.replace('_', ' ')} is not possible while the incident is ${state}: ${rule.why}`;
    if (this.ports.handOver.pendingChoices() >= PENDING_CHOICES_MAX)
      return 'earlier choices are still being carried out: try again in a moment';
    return null;
  }

  /** A human action the validator accepted (resolve, cancel, verify again, revert a change). */
  act(req: ActionRequest): ActionAnswer {
    const problem = this.problem(req);
    if (problem) return { accepted: false, message: problem };
    if (req.action === 'resolve' || req.action === 'cancel') {
      this.interrupt(req.action, req.by, req.reason ?? `${req.action} requested`, req.via);
      return {
        accepted: true,
        message: `${req.action === 'resolve' ? 'resolution' : 'cancellation'} requested. ${revertWarning(this.ports.incident.mutations)}`,
      };
    }
    return this.ports.handOver.request(req);
  }
}
