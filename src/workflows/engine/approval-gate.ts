import { condition } from '@temporalio/workflow';
import {
  describeSecretRef,
  SECRET_REF_MAX,
  SecretRefSchema,
  type ApprovalAnswer,
  type ApprovalPolicy,
  type ApprovalRequest,
  type ApprovalSignal,
  type SecretRef,
} from '../../contract/index.ts';
import { catalogActivities } from './activities.ts';
import { approvalProblem, approverProblem, tally, timeoutOutcome } from './approval-policy.ts';
import type { ApprovalStep } from './context.ts';
import { makeRoomForSecretRef } from './bounds.ts';
import type { NotifyPort, RecoveryView, TimelinePort } from './ports.ts';
import type { IncidentView } from './snapshot.ts';
import type { GateSlice, ProvidedSecretRef } from './slices.ts';

const nowIso = () => new Date(Date.now()).toISOString();
const msUntil = (iso: string) => Math.max(0, Date.parse(iso) - Date.now());
const later = (ms: number) => new Date(Date.now() + ms).toISOString();

export function approveCommand(incidentId: string, stepId: string): string {
  return `runbook approve ${incidentId} ${stepId} --by <your-name>`;
}

export function provideSecretCommand(incidentId: string, stepId: string): string {
  return `runbook provide-secret ${incidentId} ${stepId} --ref env:NEW_KEY --by <your-name>`;
}

export interface ApprovalGatePorts {
  timeline: TimelinePort;
  notify: NotifyPort;
  /** The observer: some steps are also settled when real calls show recovery. */
  recovery: RecoveryView;
  incident: Pick<IncidentView, 'input' | 'incidentId' | 'serviceName' | 'observer'>;
  /** The reference at `index` made room for a new one (the hand-over counts the ones it has seen). */
  secretRefForgotten?(index: number): void;
}

/** Something other than a human decision that can settle a request (evidence, a handed-over reference). */
interface Settler {
  ready(): boolean;
  /** Whether what arrived may settle the request (false: refused, keep waiting). Synchronous where it can be: see `answered`. */
  acceptable(): boolean | Promise<boolean>;
  settle(): void;
}

/** How a request times out: the outcome, and what the escalation says. */
interface TimeoutRule {
  outcome: ApprovalPolicy['onTimeout'];
  escalation: string;
}

/**
 * Human gates: approval steps and secret-reference requests share one flow — open the request
 * (timeline, state, notification), count valid decisions N of M, and on the deadline apply the
 * policy (escalate and wait again, reject, or approve unless the step forbids it).
 */
export class ApprovalGate {
  /** The requests asked and the references humans handed over. */
  private readonly requests: GateSlice;
  private readonly ports: ApprovalGatePorts;

  constructor(requests: GateSlice, ports: ApprovalGatePorts) {
    this.requests = requests;
    this.ports = ports;
  }

  private get policy(): ApprovalPolicy {
    return this.ports.incident.input.policy;
  }

  /** A human handed over a secret reference (`provide-secret`): kept for the step that waits on it, within bounds. */
  receiveSecretRef(provided: Omit<ProvidedSecretRef, 'refused'>): void {
    const { by, ref } = provided;
    const refs = this.requests.secretRefs;
    if (!makeRoomForSecretRef(refs, (index) => this.ports.secretRefForgotten?.(index))) {
      this.ports.timeline.note(
        `Ignored the secret reference from ${by}: ${refs.length} references are waiting to be used; ` +
          'refuse or use them first',
        { by, invalid: true },
      );
      return;
    }
    refs.push(provided);
    this.ports.timeline.note(`${by} provided a secret reference: ${describeSecretRef(ref)}`, {
      by,
      ref: describeSecretRef(ref),
    });
  }

  /** The incident changed nature: every pending request of the old plan is closed, nothing it asked for happens. */
  supersedePending(nextCause: string): void {
    for (const request of this.requests.approvals.filter((a) => a.outcome === 'pending')) {
      request.outcome = 'superseded';
      this.ports.timeline.note(`${request.stepId} superseded: the incident is now ${nextCause}`, {
        stepId: request.stepId,
        superseded: true,
      });
    }
  }

  /** Why a decision may not count, or null; the update validator and the signals ask the same. */
  problem(signal: ApprovalSignal, decision: 'approved' | 'rejected'): string | null {
    return approvalProblem(
      { approvals: this.requests.approvals, policy: this.policy, reporter: this.ports.incident.input.reporter },
      signal,
      decision,
    );
  }

  /** One handler for approve/reject signals and the decide update. */
  decide(signal: ApprovalSignal, decision: 'approved' | 'rejected'): ApprovalAnswer {
    const { add, note } = this.timeline();
    const problem = this.problem(signal, decision);
    if (problem) {
      note(`Ignored ${decision === 'approved' ? 'approval' : 'rejection'} from ${String(signal.by)}: ${problem}`, {
        invalid: true,
        stepId: signal.stepId,
        by: signal.by,
      });
      return { accepted: false, message: problem };
    }
    const request = this.requests.approvals.find((a) => a.stepId === signal.stepId)!;
    request.decisions.push({
      by: signal.by,
      decision,
      comment: signal.comment,
      at: nowIso(),
      ...(signal.via ? { via: signal.via } : {}),
    });
    const { outcome, approvals } = tally(request, decision);
    const comment = signal.comment ? `: ${signal.comment}` : '';
    if (outcome === 'rejected') {
      request.outcome = 'rejected';
      add('rejected', `${request.stepId} rejected by ${signal.by}${comment}`, {
        stepId: request.stepId,
        by: signal.by,
      });
      return { accepted: true, message: `rejected ${request.stepId}` };
    }
    if (outcome === 'approved') {
      request.outcome = 'approved';
      const by = request.decisions
        .filter((d) => d.decision === 'approved')
        .map((d) => d.by)
        .join(', ');
      add('approved', `${request.stepId} approved by ${by}${comment}`, { stepId: request.stepId, by: signal.by });
      return { accepted: true, message: `approved ${request.stepId}` };
    }
    note(`${signal.by} approved ${request.stepId} (${approvals} of ${request.required} needed)`, {
      stepId: request.stepId,
      by: signal.by,
    });
    return { accepted: true, message: `approval ${approvals} of ${request.required} recorded for ${request.stepId}` };
  }

  /** Approval gate: true when approved, false when rejected, timed out to reject, or superseded. */
  async approval(asked: ApprovalStep): Promise<boolean> {
    return (await this.ask(asked)) === 'approved';
  }

  /** As `approval`, telling a rejection from a request the evidence overtook. */
  async ask(asked: ApprovalStep): Promise<'approved' | 'declined' | 'superseded'> {
    const step = this.renumbered(asked);
    let request = this.find(step.stepId);
    if (!request) {
      const lastRealAt = this.ports.incident.observer?.lastRealAt;
      const evidence =
        step.whileRecovered && lastRealAt
          ? ` (evidence: ${this.ports.recovery.required} consecutive real calls succeeded, the last at ${lastRealAt.slice(11, 19)} UTC)`
          : '';
      request = this.open(
        { ...step, description: `${step.description}${evidence}` },
        approveCommand(this.ports.incident.incidentId, step.stepId),
        this.policy.required,
      );
      if (step.autoApproveReason) {
        request.decisions.push({ by: 'policy', decision: 'approved', comment: step.autoApproveReason, at: nowIso() });
        request.outcome = 'approved';
        this.ports.timeline.add('approved', `${step.stepId} approved by policy: ${step.autoApproveReason}`, {
          stepId: step.stepId,
          by: 'policy',
        });
        return 'approved';
      }
      await this.announce(request);
    }
    const pending = request;
    const recovery = this.ports.recovery;
    const byEvidence = step.orRecovered === true;
    const evidence: Settler = {
      ready: () => byEvidence && pending.outcome === 'pending' && recovery.recovered(),
      acceptable: () => true,
      settle: () => {
        const why = `${recovery.required} consecutive real calls succeed`;
        pending.decisions.push({ by: 'evidence', decision: 'approved', comment: why, at: nowIso() });
        pending.outcome = 'approved';
        this.ports.timeline.add('approved', `${pending.stepId} settled by evidence: ${why}`, {
          stepId: pending.stepId,
          by: 'evidence',
        });
      },
    };
    // A step given because real calls recovered stands only while they stay recovered.
    const relapse: Settler = {
      ready: () => pending.outcome === 'pending' && !recovery.recovered(),
      acceptable: () => true,
      settle: () => {
        pending.outcome = 'superseded';
        this.ports.timeline.note(
          `${pending.stepId} superseded: the evidence it was asked on no longer holds (a real call failed again); nothing changed`,
          { stepId: pending.stepId, superseded: true },
        );
      },
    };
    const rule = { outcome: timeoutOutcome(this.policy, step), escalation: this.waitedEscalation(pending.stepId) };
    const wait = () => this.answered(pending, rule, step.whileRecovered && recovery.recovered() ? relapse : evidence);
    await (byEvidence ? recovery.attend(wait) : wait());
    return pending.outcome === 'approved' ? 'approved' : pending.outcome === 'superseded' ? 'superseded' : 'declined';
  }

  /** Waits for a human to hand over a secret reference; `null` when the step was rejected (or timed out to reject). */
  async awaitSecretRef(stepId: string, description: string): Promise<SecretRef | null> {
    const usable = (r: ProvidedSecretRef) => !r.refused && (!r.stepId || r.stepId === stepId);
    const accept = (r: ProvidedSecretRef) => this.refShapeAllowed(r) && this.approverAllowed(r) && this.refAllowed(r);
    // The newest reference wins: a human who hands over another key means that one.
    const already = this.requests.secretRefs.findLast(usable);
    if (already && (await accept(already))) return already.ref;
    // Asking is an approval step too: a human can reject it ("no new key") and the plan moves on.
    let request = this.find(stepId);
    if (!request) {
      request = this.open(
        { stepId, description },
        provideSecretCommand(this.ports.incident.incidentId, stepId),
        1,
        'secret-ref',
      );
      await this.announce(request);
    }
    const pending = request;
    let accepted: SecretRef | null = null;
    const handedOver: Settler = {
      ready: () => this.requests.secretRefs.some(usable),
      acceptable: () => accept(this.requests.secretRefs.find(usable)!),
      settle: () => {
        const provided = this.requests.secretRefs.find(usable)!;
        pending.outcome = 'approved';
        pending.decisions.push({
          by: provided.by,
          decision: 'approved',
          comment: describeSecretRef(provided.ref),
          at: nowIso(),
        });
        accepted = provided.ref;
      },
    };
    // An ordinary approval step otherwise (the policy's approvers and timeout outcome), except that
    // nobody can hand over a key on someone's behalf: a timeout never approves a reference request.
    const rule: TimeoutRule = {
      outcome: timeoutOutcome(this.policy, { neverAutoApprove: true }),
      escalation: this.waitedEscalation(stepId),
    };
    await this.answered(pending, rule, handedOver);
    return accepted;
  }

  /** A reference a human hands over is used only if the worker's catalog allows it for this service. */
  async refAllowed(provided: ProvidedSecretRef): Promise<boolean> {
    const { allowed, reason } = await catalogActivities.checkSecretRef({
      service: this.ports.incident.serviceName,
      ref: provided.ref,
    });
    if (allowed) return true;
    return this.refuse(provided, reason ?? 'not allowed');
  }

  private refShapeAllowed(provided: ProvidedSecretRef): boolean {
    const parsed = SecretRefSchema.safeParse(provided.ref);
    if (parsed.success) return true;
    return this.refuse(
      provided,
      `not a valid secret reference: ${parsed.error.issues.map((i: { message: string }) => i.message).join('; ')}`,
    );
  }

  private approverAllowed(provided: ProvidedSecretRef): boolean {
    const problem = approverProblem(this.policy, provided.by);
    return problem ? this.refuse(provided, problem) : true;
  }

  private refuse(provided: ProvidedSecretRef, why: string): false {
    provided.refused = why;
    const ref = describeSecretRef(provided.ref);
    // An overlong reference is named by its start: the timeline is for people, not for the payload.
    const shown = ref.length > SECRET_REF_MAX ? `${ref.slice(0, 80)}… (${ref.length} characters)` : ref;
    this.ports.timeline.note(`Refused the reference from ${provided.by} (${shown}): ${why}`, {
      by: provided.by,
      refused: true,
    });
    return false;
  }

  private timeline() {
    const t = this.ports.timeline;
    return { add: t.add.bind(t), note: t.note.bind(t) };
  }

  private find(stepId: string): ApprovalRequest | undefined {
    return this.requests.approvals.find((a) => a.stepId === stepId);
  }

  /** A request superseded by a re-triage is closed: asking again (a later plan) opens a new one. */
  private renumbered(asked: ApprovalStep): ApprovalStep {
    const superseded = this.requests.approvals.filter(
      (a) => a.outcome === 'superseded' && (a.stepId === asked.stepId || a.stepId.startsWith(`${asked.stepId}-r`)),
    ).length;
    return superseded > 0 ? { ...asked, stepId: `${asked.stepId}-r${superseded + 1}` } : asked;
  }

  private open(
    step: Pick<ApprovalStep, 'stepId' | 'description' | 'kubectl'>,
    command: string,
    required: number,
    awaits?: 'secret-ref',
  ): ApprovalRequest {
    const request: ApprovalRequest = {
      stepId: step.stepId,
      description: step.description,
      kubectl: step.kubectl,
      requestedAt: nowIso(),
      deadline: later(this.policy.timeoutMs),
      required,
      decisions: [],
      outcome: 'pending',
      approveCommand: command,
      ...(awaits ? { awaits } : {}),
    };
    this.requests.approvals.push(request);
    this.ports.timeline.add('approval_requested', `${step.stepId}: ${step.description}`, {
      stepId: step.stepId,
      kubectl: step.kubectl,
      approveCommand: command,
    });
    return request;
  }

  /** Not async on purpose: an extra await here would reorder timers against the update loop's, and recorded histories would not replay. */
  private announce(request: ApprovalRequest): Promise<void> {
    this.ports.timeline.setState('awaiting_approval', request.stepId);
    return this.ports.notify.notify('approval_request', {
      stepId: request.stepId,
      description: request.description,
      kubectl: request.kubectl,
      approveCommand: request.approveCommand,
    });
  }

  private waitedEscalation(stepId: string): string {
    return `approval of ${stepId} has waited ${Math.round(this.policy.timeoutMs / 60_000)} min`;
  }

  /** Until the request is decided (by a human, by the settler, or by the timeout rule). */
  private async answered(pending: ApprovalRequest, rule: TimeoutRule, settler: Settler): Promise<void> {
    while (pending.outcome === 'pending' || settler.ready()) {
      const woke = await condition(() => pending.outcome !== 'pending' || settler.ready(), msUntil(pending.deadline));
      if (settler.ready()) {
        // Awaited only when it is a promise: yielding here when nothing is pending would change the order of commands.
        const verdict = settler.acceptable();
        if (!(verdict === true || (verdict !== false && (await verdict)))) continue;
        settler.settle();
        return;
      }
      if (pending.outcome !== 'pending') return;
      if (!woke) await this.timedOut(pending, rule);
    }
  }

  private async timedOut(pending: ApprovalRequest, rule: TimeoutRule): Promise<void> {
    const { add } = this.timeline();
    if (rule.outcome === 'reject') {
      pending.outcome = 'timed_out';
      add('rejected', `${pending.stepId} timed out without a decision: rejected by policy`, {
        stepId: pending.stepId,
        by: 'policy:timeout',
      });
    } else if (rule.outcome === 'auto-approve') {
      pending.decisions.push({ by: 'policy:timeout', decision: 'approved', at: nowIso() });
      pending.outcome = 'approved';
      add('approved', `${pending.stepId} approved by policy after the approval timeout`, {
        stepId: pending.stepId,
        by: 'policy:timeout',
      });
    } else {
      pending.deadline = later(this.policy.timeoutMs);
      await this.ports.notify.escalate(rule.escalation);
    }
  }
}
