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
  ErrorTypes,
  type Decision,
  type IncidentResult,
  type IncidentStatus,
  type TimelineEntry,
  type TimelineKind,
} from '../../contract/index.ts';
import { AlertRecorder } from './alerts.ts';
import { Closing } from './closing.ts';
import { HandOver } from './hand-over.ts';
import { HumanActions } from './human-actions.ts';
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
import { assembleSnapshot, sliceSnapshot, viewOf, type IncidentSnapshot, type IncidentView } from './snapshot.ts';
import type { IncidentSlices, RunSlice, TriageSlice } from './slices.ts';

/** Thrown into a plan when a human resolves or cancels the incident from outside. */
class Interrupted extends Error {}

/** Leftover temporary changes are settled through these approval steps when the incident ends. */
const restoreStep = (step: string) => `restore-${step}`;

/**
 * One incident's run: composes the parts (recorder, communications, approval gate, mutation
 * ledger, observer, probe runner, hand-over, closing) and drives decide → plan → close. Each part
 * is handed the slice of the snapshot it owns and sees the rest only through the narrow ports it
 * declares. Everything is replay-safe: workflow time, activities for I/O.
 */
export class Incident implements JudgedIncident {
  /** The whole incident, read-only: what every part reads of the others. */
  readonly view: IncidentView;
  readonly runbook: RunbookDefinition;
  /** This run's own slice: its number in the chain of continue-as-new. */
  private readonly runState: RunSlice;
  /** Judgement's slice: only judgement.ts writes it (decide, re-triage). */
  readonly triage: TriageSlice;
  private readonly slices: IncidentSlices;
  readonly recorder: IncidentRecorder;
  readonly comms: Communications;
  readonly gate: ApprovalGate;
  readonly ledger: MutationLedger;
  readonly budget: BilledBudget;
  readonly observer: Observer;
  readonly probes: ProbeRunner;
  readonly context: RemediationContext;
  readonly handOver: HandOver;
  readonly alerts: AlertRecorder;
  /** Resolve, cancel and the action table's other choices, from outside. */
  readonly humans: HumanActions;
  private readonly closing: Closing;
  finished = false;
  pollsThisRun = 0;
  private planScope: CancellationScope | null = null;
  private continueAsNewDue = false;
  private pendingRetriage: { decision: Decision; why: string } | null = null;

  constructor(snapshot: IncidentSnapshot, runbook: RunbookDefinition) {
    const slices = sliceSnapshot(snapshot);
    const view = viewOf(slices);
    this.slices = slices;
    this.view = view;
    this.runState = slices.run;
    this.triage = slices.triage;
    this.runbook = runbook;
    this.recorder = new IncidentRecorder(slices.record, runbook, view);
    const recorder = this.recorder;
    this.alerts = new AlertRecorder(slices.alerts, recorder);
    this.comms = new Communications(slices.comms, runbook, {
      timeline: recorder,
      incident: view,
      isClosed: () => recorder.isClosed(),
      finished: () => this.finished,
    });
    this.budget = new BilledBudget(slices.budget, view);
    this.observer = new Observer(this, slices.observer);
    this.gate = new ApprovalGate(slices.gate, {
      timeline: recorder,
      notify: this.comms,
      recovery: this.observer,
      incident: view,
      secretRefForgotten: (index) => this.handOver.forgetSecretRef(index),
    });
    this.ledger = new MutationLedger(slices.ledger, view, recorder, (step) => this.gate.approval(step));
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
    this.closing = new Closing(slices.closing, {
      engine: this,
      recorder,
      comms: this.comms,
      ledger: this.ledger,
      observer: this.observer,
    });
    const observer = this.observer;
    this.handOver = new HandOver(slices.handOver, {
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
    this.humans = new HumanActions(slices.interruptions, {
      incident: view,
      timeline: recorder,
      isClosed: () => recorder.isClosed(),
      handOver: this.handOver,
      stopPlan: () => this.planScope?.cancel(),
    });
  }

  // ── the ports the parts see ─────────────────────────────────────────────────────────────────

  get input() {
    return this.view.input;
  }

  get decision(): Decision {
    if (!this.triage.decision) throw ApplicationFailure.nonRetryable('no decision yet', ErrorTypes.EngineBug);
    return this.triage.decision;
  }

  private get cause(): CauseDefinition | undefined {
    return this.triage.decision ? this.runbook.causes[this.triage.decision.cause] : undefined;
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

  markChanged(): void {
    this.recorder.markChanged();
  }

  supersedePendingApprovals(nextCause: string): void {
    this.gate.supersedePending(nextCause);
  }

  escalate(reason: string): Promise<void> {
    return this.comms.escalate(reason);
  }

  refAllowed(...args: Parameters<ApprovalGate['refAllowed']>): Promise<boolean> {
    return this.gate.refAllowed(...args);
  }

  interrupted(): boolean {
    return this.humans.interrupted();
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

  status(): IncidentStatus {
    return this.recorder.status(this.monitorStatus());
  }

  private monitorStatus(): IncidentStatus['monitor'] {
    const seen = this.view.observer;
    return seen ? { healthyStreak: seen.realStreak, required: this.observer.required, polls: seen.polls } : null;
  }

  async continueAsNew(): Promise<never> {
    this.add('note', `History kept bounded: continuing as run ${this.runState.run + 1}`);
    this.runState.run += 1;
    await condition(allHandlersFinished);
    const { snapshot } = boundSnapshot(assembleSnapshot(this.slices));
    return continueAsNew<(arg: { continuation: IncidentSnapshot }) => Promise<IncidentResult>>({
      continuation: snapshot,
    });
  }

  // ── the run ─────────────────────────────────────────────────────────────────────────────────

  async run(): Promise<IncidentResult> {
    this.recorder.open();
    if (!this.triage.decision) await decide(this);
    // Resolved or cancelled before any decision (e.g. while blocked): nothing ran, nothing failed.
    if (!this.triage.decision && this.interrupted()) {
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
        `runbook ${this.runbook.id} has no plan for cause ${this.triage.decision?.cause}`,
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
      const cleared = this.triage.clearedBeforeChange;
      if (cleared) outcome = { resolution: 'closed', summary: cleared };
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
