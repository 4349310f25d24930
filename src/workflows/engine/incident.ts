// src/workflows/engine: the runbook-agnostic incident engine — timeline, triage, approvals, remediation ledger, monitoring, postmortem.
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  ContinueAsNew,
  continueAsNew,
  isCancellation,
} from '@temporalio/workflow';
import {
  actionContextOf,
  actionRule,
  ErrorTypes,
  revertWarning,
  viaText,
  type ActionAnswer,
  type ApprovalVia,
  type ActionRequest,
  type Decision,
  type IncidentResult,
  type IncidentStatus,
  type TimelineEntry,
  type TimelineKind,
} from '../../contract/index.ts';
import { Closing } from './closing.ts';
import { HandOver } from './hand-over.ts';
import { ApprovalGate } from './approval-gate.ts';
import { Communications } from './communications.ts';
import type { RemediationContext } from './context.ts';
import { boundSnapshot } from './bounds.ts';
import { BilledBudget } from './evidence.ts';
import { applyRetriage, decide, type JudgedIncident } from './judgement.ts';
import { MutationLedger } from './mutation-ledger.ts';
import { Observer } from './observer.ts';
import { ProbeRunner } from './probe-runner.ts';
import { IncidentRecorder } from './recorder.ts';
import { remediationContext } from './remediation-context.ts';
import type { CauseDefinition, RemediationOutcome, RunbookDefinition } from './runbook.ts';
import type { IncidentSnapshot } from './snapshot.ts';

/** Thrown into a plan when a human resolves or cancels the incident from outside. */
class Interrupted extends Error {}

/** Leftover temporary changes are settled through these approval steps when the incident ends. */
const restoreStep = (step: string) => `restore-${step}`;

/**
 * One incident's run: composes the parts (recorder, communications, approval gate, mutation
 * ledger, observer, probe runner) and drives decide → plan → close. The parts see it only
 * through the narrow ports they declare. Everything is replay-safe: workflow time, activities for I/O.
 */
export class Incident implements JudgedIncident {
  readonly s: IncidentSnapshot;
  readonly runbook: RunbookDefinition;
  readonly recorder: IncidentRecorder;
  readonly comms: Communications;
  readonly gate: ApprovalGate;
  readonly ledger: MutationLedger;
  readonly budget: BilledBudget;
  readonly observer: Observer;
  readonly probes: ProbeRunner;
  readonly context: RemediationContext;
  readonly handOver: HandOver;
  private readonly closing: Closing;
  finished = false;
  pollsThisRun = 0;
  private planScope: CancellationScope | null = null;
  private continueAsNewDue = false;
  private pendingRetriage: { decision: Decision; why: string } | null = null;

  constructor(snapshot: IncidentSnapshot, runbook: RunbookDefinition) {
    this.s = snapshot;
    this.runbook = runbook;
    this.recorder = new IncidentRecorder(snapshot, runbook);
    const recorder = this.recorder;
    this.comms = new Communications(snapshot, runbook, {
      timeline: recorder,
      isClosed: () => recorder.isClosed(),
      finished: () => this.finished,
    });
    this.budget = new BilledBudget(this);
    this.observer = new Observer(this);
    this.gate = new ApprovalGate(snapshot, { timeline: recorder, notify: this.comms, recovery: this.observer });
    this.ledger = new MutationLedger(snapshot, recorder, (step) => this.gate.approval(step));
    this.probes = new ProbeRunner({
      engine: this,
      observer: this.observer,
      approval: (step) => this.gate.approval(step),
    });
    this.context = remediationContext({
      engine: this,
      recorder,
      gate: this.gate,
      ledger: this.ledger,
      probes: this.probes,
    });
    this.closing = new Closing({ engine: this, recorder, comms: this.comms, ledger: this.ledger });
    const observer = this.observer;
    this.handOver = new HandOver({
      engine: this,
      ledger: this.ledger,
      observer: {
        recovered: () => observer.recovered(),
        restartJudgement: () => observer.restartJudgement(),
        get requiredSuccesses() {
          return observer.required;
        },
      },
    });
  }

  // ── the ports the parts see ─────────────────────────────────────────────────────────────────

  get input() {
    return this.s.input;
  }

  get decision(): Decision {
    if (!this.s.decision) throw ApplicationFailure.nonRetryable('no decision yet', ErrorTypes.EngineBug);
    return this.s.decision;
  }

  private get cause(): CauseDefinition | undefined {
    return this.s.decision ? this.runbook.causes[this.s.decision.cause] : undefined;
  }

  add(kind: TimelineKind, message: string, data?: unknown, at?: string): TimelineEntry {
    return this.recorder.add(kind, message, data, at);
  }

  note(message: string, data?: unknown): void {
    this.recorder.note(message, data);
  }

  setState(...args: Parameters<IncidentRecorder['setState']>): void {
    this.recorder.setState(...args);
  }

  publish(): void {
    this.recorder.publish();
  }

  escalate(reason: string): Promise<void> {
    return this.comms.escalate(reason);
  }

  refAllowed(...args: Parameters<ApprovalGate['refAllowed']>): Promise<boolean> {
    return this.gate.refAllowed(...args);
  }

  interrupted(): boolean {
    return this.s.manualResolution !== null || this.s.cancellation !== null;
  }

  requestContinueAsNew(): void {
    this.continueAsNewDue = true;
    this.planScope?.cancel();
  }

  requestRetriage(decision: Decision, why: string): void {
    if (this.pendingRetriage || !this.planScope) return;
    this.pendingRetriage = { decision, why };
    this.planScope.cancel();
  }

  /** A human resolves or cancels from outside: the plan is cancelled and changes are reverted. */
  interrupt(kind: 'resolve' | 'cancel', by: string, reason: string, via?: ApprovalVia): void {
    const already = kind === 'resolve' ? this.s.manualResolution : this.s.cancellation;
    if (this.recorder.isClosed() || already) return;
    if (kind === 'resolve') this.s.manualResolution = { by, reason };
    else this.s.cancellation = { by, reason };
    this.note(`${kind === 'resolve' ? 'Resolution' : 'Cancellation'} requested by ${by}${viaText(via)}: ${reason}`, {
      by,
      ...(via ? { via } : {}),
    });
    this.planScope?.cancel();
  }

  /** Why the action table refuses a human action now, or null. */
  actionProblem(req: ActionRequest): string | null {
    if (this.recorder.isClosed() || this.s.manualResolution || this.s.cancellation)
      return `the incident is ${this.s.manualResolution ? 'being resolved' : this.s.cancellation ? 'being cancelled' : this.s.state}: nothing can change it now`;
    const rule = actionRule(this.s.state, req.action, actionContextOf(this.s.approvals, this.s.mutations, req.step));
    if (!rule.allowed)
      return `${req.action.replace('_', ' ')} is not possible while the incident is ${this.s.state}: ${rule.why}`;
    if ((this.s.humanRequests?.length ?? 0) >= 5)
      return 'earlier choices are still being carried out: try again in a moment';
    return null;
  }

  /** A human action the validator accepted (resolve, cancel, verify again, revert a change). */
  act(req: ActionRequest): ActionAnswer {
    const problem = this.actionProblem(req);
    if (problem) return { accepted: false, message: problem };
    if (req.action === 'resolve' || req.action === 'cancel') {
      this.interrupt(req.action, req.by, req.reason ?? `${req.action} requested`, req.via);
      return {
        accepted: true,
        message: `${req.action === 'resolve' ? 'resolution' : 'cancellation'} requested. ${revertWarning(this.s.mutations)}`,
      };
    }
    return this.handOver.request(req);
  }

  status(): IncidentStatus {
    return this.recorder.status(this.monitorStatus());
  }

  private monitorStatus(): IncidentStatus['monitor'] {
    const o = this.s.observer;
    return o ? { healthyStreak: o.realStreak, required: this.observer.required, polls: o.polls } : null;
  }

  async continueAsNew(): Promise<never> {
    this.add('note', `History kept bounded: continuing as run ${this.s.run + 1}`);
    this.s.run += 1;
    await condition(allHandlersFinished);
    boundSnapshot(this.s);
    return continueAsNew<(arg: { continuation: IncidentSnapshot }) => Promise<IncidentResult>>({
      continuation: this.s,
    });
  }

  // ── the run ─────────────────────────────────────────────────────────────────────────────────

  async run(): Promise<IncidentResult> {
    this.recorder.open();
    if (!this.s.decision) await decide(this);
    // Resolved or cancelled before any decision (e.g. while blocked): nothing ran, nothing failed.
    if (!this.s.decision && this.interrupted()) {
      await this.closing.byHuman();
      await condition(allHandlersFinished);
      return this.recorder.result();
    }
    // SLA escalation, stakeholder updates and the observer's real calls run beside the plan.
    const background = Promise.all([this.comms.slaLoop(), this.comms.updateLoop(), this.observer.run()]);
    let failure: unknown = null;
    try {
      await this.runPlan();
    } catch (err) {
      failure = err;
    }
    this.finished = true;
    await background;
    // An update still running when the workflow completes would be lost to its caller.
    await condition(allHandlersFinished);
    if (failure) throw failure;
    return this.recorder.result();
  }

  /** One plan run, cancellable from outside; re-triage and continue-as-new restart it. */
  private async planOnce(): Promise<RemediationOutcome> {
    const cause = this.cause;
    if (!cause)
      throw ApplicationFailure.nonRetryable(
        `runbook ${this.runbook.id} has no plan for cause ${this.s.decision?.cause}`,
        ErrorTypes.NoRemediationPlan,
      );
    return CancellationScope.cancellable(async () => {
      this.planScope = CancellationScope.current();
      if (this.interrupted()) throw new Interrupted();
      const outcome = await cause.remediate(this.context);
      await this.settleLeftovers();
      return outcome;
    });
  }

  /**
   * Temporary changes an earlier plan made (before a re-triage) and nobody reverted or kept:
   * each is restored through an approval, or kept with the reason on the timeline.
   */
  private async settleLeftovers(): Promise<void> {
    for (const m of this.ledger.leftovers()) {
      const approved = await this.gate.approval({
        stepId: restoreStep(m.step),
        description: `No longer needed (the incident ends as ${this.decision.cause}): restore ${m.change} on ${m.target} to its recorded prior state`,
        kubectl: m.revertKubectl,
      });
      if (approved) await this.ledger.revert(m.step);
      else this.ledger.keep(m.step, `${restoreStep(m.step)} was rejected`);
    }
  }

  private async runPlan(): Promise<void> {
    try {
      let outcome: RemediationOutcome | undefined;
      if (this.s.clearedBeforeChange) outcome = { resolution: 'closed', summary: this.s.clearedBeforeChange };
      while (!outcome) {
        try {
          if (this.handOver.owned()) await this.waitForHuman();
          outcome = await this.planOnce();
        } catch (err) {
          if (err instanceof ContinueAsNew || err instanceof Interrupted) throw err;
          if (isCancellation(err)) {
            if (this.interrupted()) throw err;
            if (this.continueAsNewDue) await this.continueAsNew();
            if (!(await this.retriageIfPending())) throw err;
          } else if (this.interrupted()) {
            throw new Interrupted();
          } else {
            // The fix did not take (or a step errored): a human owns it, nothing is undone.
            await CancellationScope.nonCancellable(() => this.handOver.own(err));
          }
        }
      }
      this.s.summary = outcome.summary;
      // Nothing was wrong, or nothing was fixed: `closed`, never a `resolved` that did not happen.
      await this.closing.close(outcome.resolution, outcome.summary);
    } catch (err) {
      if (!isCancellation(err) && !(err instanceof Interrupted)) {
        // Continue-as-new unwinds the run by throwing: pass it on, it is not a failure.
        if (err instanceof ContinueAsNew) throw err;
        await CancellationScope.nonCancellable(() => this.closing.failed(err));
        return;
      }
      await CancellationScope.nonCancellable(() => this.closing.byHuman());
    }
  }

  private async retriageIfPending(): Promise<boolean> {
    const retriage = this.pendingRetriage;
    if (!retriage) return false;
    this.pendingRetriage = null;
    await CancellationScope.nonCancellable(() => applyRetriage(this, retriage.decision, retriage.why));
    return true;
  }

  /** In needs_human until a human chooses, real calls recover, a re-triage or continue-as-new is due. */
  private async waitForHuman(): Promise<void> {
    for (;;) {
      const exit = await this.handOver.wait(() => this.continueAsNewDue || this.pendingRetriage !== null);
      if (exit === 'interrupted') throw new Interrupted();
      if (exit === 'retry') return;
      if (this.continueAsNewDue) await this.continueAsNew();
      if (await this.retriageIfPending()) {
        this.handOver.release('the incident was re-triaged');
        return;
      }
    }
  }
}
