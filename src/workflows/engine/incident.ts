// src/workflows/engine: the runbook-agnostic incident engine — timeline, triage, approvals, remediation ledger, monitoring, postmortem.
import {
  allHandlersFinished,
  ApplicationFailure,
  ContinueAsNew,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import {
  ErrorTypes,
  acknowledgeSignal,
  approveSignal,
  cancelSignal,
  communicationStatus,
  decideUpdate,
  describeSecretRef,
  noteSignal,
  postmortemQuery,
  provideSecretRefSignal,
  rejectSignal,
  resolveSignal,
  SEARCH_ATTRIBUTES,
  setRootCauseSignal,
  statusQuery,
  timelineQuery,
  type ApprovalAnswer,
  type ApprovalRequest,
  type ApprovalSignal,
  type Decision,
  type IncidentResult,
  type IncidentState,
  type IncidentStatus,
  type MutationOp,
  type MutationRecord,
  type NotificationMessage,
  type ProbeResult,
  type ProbeSpecInput,
  type SecretRef,
  type TimelineEntry,
  type TimelineKind,
} from '../../contract/index.ts';
import type { CauseDefinition, RemediationOutcome, RunbookDefinition } from './runbook.ts';
import { catalogActivities, clusterActivities, notifyActivities, postmortemActivities, rolloutActivities } from './activities.ts';
import type { ApprovalStep, MonitorOptions, RemediationContext } from './context.ts';
import { approvalProblem } from './approval-policy.ts';
import { BilledBudget, failureMessage, gather } from './evidence.ts';
import { applyRetriage, decide } from './judgement.ts';
import { monitorUntilRecovered, runProbe, runTriage, verifyRecovered } from './monitoring.ts';
import { Observer, type RecoveryVerdict } from './observer.ts';
import { renderPostmortem } from './postmortem.ts';
import type { IncidentSnapshot } from './snapshot.ts';
import { nextUpdateDue, renderStatusMessage } from './status-message.ts';

const nowIso = () => new Date(Date.now()).toISOString();

/** Thrown into a plan when a human resolves or cancels the incident from outside. */
class Interrupted extends Error {}

/** Leftover temporary changes are settled through these approval steps when the incident ends. */
const restoreStep = (step: string) => `restore-${step}`;

export function approveCommand(incidentId: string, stepId: string): string {
  return `runbook approve ${incidentId} ${stepId} --by <your-name>`;
}

/**
 * One incident: state, timeline, approvals, mutations, and the primitives remediation plans use.
 * Everything here is replay-safe: time is workflow time, I/O goes through activities.
 */
export class Incident implements RemediationContext {
  readonly s: IncidentSnapshot;
  readonly runbook: RunbookDefinition;
  /** Judgement v2: evidence quality, the observer, confirmation and re-triage (see README). */
  readonly v2: boolean;
  readonly budget = new BilledBudget(this);
  readonly observer = new Observer(this);
  finished = false;
  /** Monitor polls in this run (not carried over): continue-as-new resets it. */
  pollsThisRun = 0;
  private planScope: CancellationScope | null = null;
  private continueAsNewDue = false;
  private pendingRetriage: { decision: Decision; why: string } | null = null;

  constructor(snapshot: IncidentSnapshot, runbook: RunbookDefinition) {
    this.s = snapshot;
    this.runbook = runbook;
    this.v2 = snapshot.engine === 2;
  }

  interrupted(): boolean {
    return this.s.manualResolution !== null || this.s.cancellation !== null;
  }

  /** From the observer: history is long enough; the plan yields and the run continues as new. */
  requestContinueAsNew(): void {
    this.continueAsNewDue = true;
    this.planScope?.cancel();
  }

  /** From the observer: the failure class changed and was confirmed; the plan yields to the new one. */
  requestRetriage(decision: Decision, why: string): void {
    if (this.pendingRetriage || !this.planScope) return;
    this.pendingRetriage = { decision, why };
    this.planScope.cancel();
  }

  get input() {
    return this.s.input;
  }

  get decision() {
    if (!this.s.decision) throw ApplicationFailure.nonRetryable('no decision yet', ErrorTypes.EngineBug);
    return this.s.decision;
  }

  get cause(): CauseDefinition | undefined {
    return this.s.decision ? this.runbook.causes[this.s.decision.cause] : undefined;
  }

  // ── timeline & state ────────────────────────────────────────────────────────────────────────

  add(kind: TimelineKind, message: string, data?: unknown): TimelineEntry {
    const entry: TimelineEntry = { at: nowIso(), kind, message, ...(data === undefined ? {} : { data }) };
    this.s.timeline.push(entry);
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
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.state, value: state }]);
    this.updateMemo();
  }

  publish(): void {
    this.updateMemo();
  }

  private updateMemo(): void {
    upsertMemo({
      summary: {
        runbook: this.runbook.id,
        title: this.runbook.title,
        state: this.s.state,
        severity: this.s.decision?.severity ?? null,
        cause: this.s.decision?.cause ?? null,
        rationale: this.s.decision?.rationale ?? null,
        symptom: this.input.symptom,
        reporter: this.input.reporter,
        service: this.input.service.name,
        trigger: this.input.trigger,
        ...(this.v2 ? { causes: (this.s.causes ?? []).map((c) => c.cause), blocker: this.s.blocker ?? null } : {}),
      },
    });
  }

  async stage<T>(name: string, fn: () => Promise<T>): Promise<T | undefined> {
    if (this.s.completedStages.includes(name)) return undefined;
    const value = await fn();
    this.s.completedStages.push(name);
    return value;
  }

  // ── handlers ────────────────────────────────────────────────────────────────────────────────

  registerHandlers(): void {
    setHandler(statusQuery, () => this.status());
    setHandler(timelineQuery, () => this.s.timeline);
    setHandler(postmortemQuery, () => this.renderPostmortem());
    setHandler(approveSignal, (signal) => void this.decide(signal, 'approved'));
    setHandler(rejectSignal, (signal) => void this.decide(signal, 'rejected'));
    setHandler(decideUpdate, (req) => this.decide(req, req.decision), {
      validator: (req) => {
        const problem = this.approvalProblem(req, req.decision);
        if (problem) throw new Error(problem);
      },
    });
    setHandler(acknowledgeSignal, ({ by }) => {
      if (this.s.acknowledgedBy) {
        this.note(`${by} acknowledged (owner stays @${this.s.acknowledgedBy})`);
        return;
      }
      this.s.acknowledgedBy = by;
      this.s.stateVersion += 1;
      this.note(`Acknowledged by ${by}: owner is now @${by}`, { by });
    });
    setHandler(noteSignal, ({ by, text }) => this.note(`${by}: ${text}`, { by }));
    setHandler(setRootCauseSignal, ({ by, text }) => {
      this.s.rootCause = text;
      this.note(`Root cause identified by ${by}: ${text}`, { by, rootCause: true });
    });
    setHandler(provideSecretRefSignal, ({ by, stepId, ref }) => {
      this.s.secretRefs.push({ by, stepId, ref });
      this.note(`${by} provided a secret reference: ${describeSecretRef(ref)}`, { by, ref: describeSecretRef(ref) });
    });
    setHandler(resolveSignal, ({ by, reason }) => {
      if (this.isClosed() || this.s.manualResolution) return;
      this.s.manualResolution = { by, reason };
      this.note(`Resolution requested by ${by}: ${reason}`, { by });
      this.planScope?.cancel();
    });
    setHandler(cancelSignal, ({ by, reason }) => {
      if (this.isClosed() || this.s.cancellation) return;
      this.s.cancellation = { by, reason };
      this.note(`Cancellation requested by ${by}: ${reason}`, { by });
      this.planScope?.cancel();
    });
  }

  private isClosed(): boolean {
    return ['resolved', 'closed', 'cancelled', 'failed'].includes(this.s.state);
  }

  private monitorStatus(): IncidentStatus['monitor'] {
    if (!this.v2) return this.s.monitor ? { healthyStreak: this.s.monitor.healthyStreak, required: this.s.monitor.required, polls: this.s.monitor.polls } : null;
    const o = this.s.observer;
    return o ? { healthyStreak: o.realStreak, required: this.observer.required, polls: o.polls } : null;
  }

  status(): IncidentStatus {
    return {
      incidentId: this.s.incidentId,
      runbook: this.runbook.id,
      state: this.s.state,
      communicationStatus: communicationStatus(this.s.state),
      severity: this.s.decision?.severity ?? null,
      cause: this.s.decision?.cause ?? null,
      rationale: this.s.decision?.rationale ?? null,
      owner: this.s.acknowledgedBy,
      acknowledged: this.s.acknowledgedBy !== null,
      pendingApprovals: this.s.approvals.filter((a) => a.outcome === 'pending'),
      monitor: this.monitorStatus(),
      nextUpdateAt: this.s.nextUpdateAt,
      mutations: this.s.mutations,
      startedAt: this.s.startedAt,
      causes: this.s.causes ?? [],
      blocker: this.s.blocker ?? null,
    };
  }

  // ── approvals ───────────────────────────────────────────────────────────────────────────────

  private approvalProblem(signal: ApprovalSignal, decision: 'approved' | 'rejected'): string | null {
    return approvalProblem({ approvals: this.s.approvals, policy: this.input.policy, reporter: this.input.reporter }, signal, decision);
  }

  /** One handler for approve/reject signals and the decide update. */
  decide(signal: ApprovalSignal, decision: 'approved' | 'rejected'): ApprovalAnswer {
    const problem = this.approvalProblem(signal, decision);
    if (problem) {
      this.note(`Ignored ${decision === 'approved' ? 'approval' : 'rejection'} from ${String(signal.by)}: ${problem}`, { invalid: true, stepId: signal.stepId, by: signal.by });
      return { accepted: false, message: problem };
    }
    const request = this.s.approvals.find((a) => a.stepId === signal.stepId)!;
    request.decisions.push({ by: signal.by, decision, comment: signal.comment, at: nowIso() });
    const approvals = request.decisions.filter((d) => d.decision === 'approved').length;
    if (decision === 'rejected') {
      request.outcome = 'rejected';
      this.add('rejected', `${request.stepId} rejected by ${signal.by}${signal.comment ? `: ${signal.comment}` : ''}`, { stepId: request.stepId, by: signal.by });
      return { accepted: true, message: `rejected ${request.stepId}` };
    }
    if (approvals >= request.required) {
      request.outcome = 'approved';
      this.add('approved', `${request.stepId} approved by ${request.decisions.filter((d) => d.decision === 'approved').map((d) => d.by).join(', ')}${signal.comment ? `: ${signal.comment}` : ''}`, {
        stepId: request.stepId,
        by: signal.by,
      });
      return { accepted: true, message: `approved ${request.stepId}` };
    }
    this.note(`${signal.by} approved ${request.stepId} (${approvals} of ${request.required} needed)`, { stepId: request.stepId, by: signal.by });
    return { accepted: true, message: `approval ${approvals} of ${request.required} recorded for ${request.stepId}` };
  }

  async approval(asked: ApprovalStep): Promise<boolean> {
    // A request superseded by a re-triage is closed: asking again (a later plan) opens a new one.
    const superseded = this.s.approvals.filter((a) => a.outcome === 'superseded' && (a.stepId === asked.stepId || a.stepId.startsWith(`${asked.stepId}-r`))).length;
    const step = superseded > 0 ? { ...asked, stepId: `${asked.stepId}-r${superseded + 1}` } : asked;
    let request = this.s.approvals.find((a) => a.stepId === step.stepId);
    if (!request) {
      const policy = this.input.policy;
      request = {
        stepId: step.stepId,
        description: step.description,
        kubectl: step.kubectl,
        requestedAt: nowIso(),
        deadline: new Date(Date.now() + policy.timeoutMs).toISOString(),
        required: policy.required,
        decisions: [],
        outcome: 'pending',
        approveCommand: approveCommand(this.s.incidentId, step.stepId),
      } satisfies ApprovalRequest;
      this.s.approvals.push(request);
      this.add('approval_requested', `${step.stepId}: ${step.description}`, { stepId: step.stepId, kubectl: step.kubectl, approveCommand: request.approveCommand });
      if (step.autoApproveReason) {
        request.decisions.push({ by: 'policy', decision: 'approved', comment: step.autoApproveReason, at: nowIso() });
        request.outcome = 'approved';
        this.add('approved', `${step.stepId} approved by policy: ${step.autoApproveReason}`, { stepId: step.stepId, by: 'policy' });
        return true;
      }
      this.setState('awaiting_approval', step.stepId);
      await this.notify('approval_request', { stepId: step.stepId, description: step.description, kubectl: step.kubectl, approveCommand: request.approveCommand });
    }
    const pending = request;
    const byEvidence = this.v2 && step.orRecovered;
    const wait = async () => {
      while (pending.outcome === 'pending') {
        const waitMs = Math.max(0, Date.parse(pending.deadline) - Date.now());
        const decided = await condition(() => pending.outcome !== 'pending' || (byEvidence === true && this.observer.recovered()), waitMs);
        if (pending.outcome !== 'pending') return;
        if (decided) {
          pending.decisions.push({ by: 'evidence', decision: 'approved', comment: `${this.observer.required} consecutive real calls succeed`, at: nowIso() });
          pending.outcome = 'approved';
          this.add('approved', `${pending.stepId} settled by evidence: ${this.observer.required} consecutive real calls succeed`, { stepId: pending.stepId, by: 'evidence' });
          return;
        }
        await this.approvalTimedOut(pending, step);
      }
    };
    await (byEvidence ? this.observer.attend(wait) : wait());
    return pending.outcome === 'approved';
  }

  private async approvalTimedOut(pending: ApprovalRequest, step: ApprovalStep): Promise<void> {
    const outcome = step.neverAutoApprove && this.input.policy.onTimeout === 'auto-approve' ? 'escalate' : this.input.policy.onTimeout;
    if (outcome === 'reject') {
      pending.outcome = 'timed_out';
      this.add('rejected', `${pending.stepId} timed out without a decision: rejected by policy`, { stepId: pending.stepId, by: 'policy:timeout' });
    } else if (outcome === 'auto-approve') {
      pending.decisions.push({ by: 'policy:timeout', decision: 'approved', at: nowIso() });
      pending.outcome = 'approved';
      this.add('approved', `${pending.stepId} approved by policy after the approval timeout`, { stepId: pending.stepId, by: 'policy:timeout' });
    } else {
      pending.deadline = new Date(Date.now() + this.input.policy.timeoutMs).toISOString();
      await this.escalate(`approval of ${pending.stepId} has waited ${Math.round(this.input.policy.timeoutMs / 60_000)} min`);
    }
  }

  // ── mutations ───────────────────────────────────────────────────────────────────────────────

  private anchor() {
    const k = this.input.service.kubernetes;
    return { namespace: k.namespace, deployment: k.deployment };
  }

  async apply(step: string, op: MutationOp): Promise<MutationRecord> {
    const existing = this.s.mutations.find((m) => m.step === step && !m.revertedAt);
    if (existing) return existing;
    if (this.s.state === 'investigating' || this.s.state === 'awaiting_approval') this.setState('mitigating', step);
    const request = {
      mutationId: `${this.s.incidentId}/${step}`,
      step,
      op: op.kind === 'rollout-restart' ? { ...op, at: op.at ?? nowIso() } : op,
      dryRun: this.input.policy.dryRun,
      anchor: this.anchor(),
      ...(this.s.serviceName ? { service: this.s.serviceName } : {}),
    };
    // A change that reaches the cluster must reach the ledger too: a re-triage never cuts it short.
    const record = this.v2 ? await CancellationScope.nonCancellable(() => clusterActivities.applyMutation(request)) : await clusterActivities.applyMutation(request);
    this.s.mutations.push(record);
    const how = record.mode === 'applied' ? '' : record.mode === 'dry-run' ? ' (server-side dry run: nothing persisted)' : ' (record-only: nothing applied)';
    this.add('mutation', `${record.change} on ${record.target}${how}`, { mutationId: record.id, step, kubectl: record.kubectl, mode: record.mode, changed: record.changed });
    return record;
  }

  async revert(step: string): Promise<void> {
    const index = this.s.mutations.findIndex((m) => m.step === step && !m.revertedAt);
    if (index < 0) return;
    const record = this.s.mutations[index]!;
    if (record.op.kind === 'rollout-restart') {
      this.s.mutations[index] = { ...record, revertedAt: nowIso() };
      return;
    }
    const request = { record, dryRun: this.input.policy.dryRun, anchor: this.anchor(), ...(this.s.serviceName ? { service: this.s.serviceName } : {}) };
    const reverted = this.v2 ? await CancellationScope.nonCancellable(() => clusterActivities.revertMutation(request)) : await clusterActivities.revertMutation(request);
    this.s.mutations[index] = reverted;
    this.add('reverted', `${record.change} on ${record.target} reverted to the recorded prior state`, { mutationId: record.id, step, kubectl: record.revertKubectl });
  }

  ledger(): readonly MutationRecord[] {
    return this.s.mutations;
  }

  applied(step: string): boolean {
    return this.s.mutations.some((m) => m.step === step && !m.revertedAt);
  }

  keep(step: string, reason: string): void {
    const index = this.s.mutations.findIndex((m) => m.step === step && !m.revertedAt);
    if (index < 0) return;
    const record = this.s.mutations[index]!;
    if (record.keptBecause === reason) return;
    this.s.mutations[index] = { ...record, keptBecause: reason };
    this.note(`Kept in place: ${record.change} on ${record.target} — ${reason}`, { mutationId: record.id, step, keptBecause: reason });
  }

  /** Restores everything still applied, newest first. */
  async revertAll(): Promise<void> {
    for (const record of [...this.s.mutations].reverse()) {
      if (!record.revertedAt) await this.revert(record.step);
    }
  }

  async waitForRollout(): Promise<boolean> {
    const k = this.input.service.kubernetes;
    const { ready, reason } = await rolloutActivities.waitForRollout({ namespace: k.namespace, deployment: k.deployment, timeoutMs: this.input.timings.rolloutTimeoutMs });
    this.note(`Rollout of deployment/${k.deployment}: ${ready ? 'complete' : 'not complete'} (${reason})`);
    return ready;
  }

  async readEnv(name: string): Promise<Array<{ container: string; value: string | null }>> {
    const k = this.input.service.kubernetes;
    const state = await clusterActivities.readDeploymentState({ namespace: k.namespace, deployment: k.deployment });
    return state.containers
      .filter((c) => !k.container || c.name === k.container)
      .map((c) => ({ container: c.name, value: c.env.find((e) => e.name === name)?.value ?? null }));
  }

  async inspectSecret(ref: SecretRef): Promise<{ present: boolean; length: number }> {
    const { present, length } = await clusterActivities.inspectSecretRef({ ref });
    return { present, length };
  }

  async awaitSecretRef(stepId: string, description: string): Promise<SecretRef | null> {
    const usable = (r: IncidentSnapshot['secretRefs'][number]) => !r.refused && (!r.stepId || r.stepId === stepId);
    const already = this.s.secretRefs.find(usable);
    if (already && (await this.refAllowed(already))) return already.ref;
    // Asking is an approval step too: a human can reject it ("no new key") and the plan moves on.
    let request = this.s.approvals.find((a) => a.stepId === stepId);
    if (!request) {
      request = {
        stepId,
        description,
        requestedAt: nowIso(),
        deadline: new Date(Date.now() + this.input.policy.timeoutMs).toISOString(),
        required: 1,
        decisions: [],
        outcome: 'pending',
        approveCommand: `runbook provide-secret ${this.s.incidentId} ${stepId} --ref env:NEW_KEY --by <your-name>`,
      };
      this.s.approvals.push(request);
      this.add('approval_requested', `${stepId}: ${description}`, { stepId, approveCommand: request.approveCommand });
      this.setState('awaiting_approval', stepId);
      await this.notify('approval_request', { stepId, description, approveCommand: request.approveCommand });
    }
    const pending = request;
    for (;;) {
      const got = await condition(
        () => pending.outcome !== 'pending' || this.s.secretRefs.some(usable),
        Math.max(0, Date.parse(pending.deadline) - Date.now()),
      );
      const provided = this.s.secretRefs.find(usable);
      if (provided && !(await this.refAllowed(provided))) continue;
      if (provided) {
        pending.outcome = 'approved';
        pending.decisions.push({ by: provided.by, decision: 'approved', comment: describeSecretRef(provided.ref), at: nowIso() });
        return provided.ref;
      }
      if (pending.outcome !== 'pending') return null;
      if (!got) {
        pending.deadline = new Date(Date.now() + this.input.policy.timeoutMs).toISOString();
        await this.escalate(`still waiting for ${stepId}`);
      }
    }
  }

  /** Since the catalog, a reference a human hands over is used only if the worker's catalog allows it. */
  async refAllowed(provided: IncidentSnapshot['secretRefs'][number]): Promise<boolean> {
    if (!this.s.serviceName) return true;
    const { allowed, reason } = await catalogActivities.checkSecretRef({ service: this.s.serviceName, ref: provided.ref });
    if (allowed) return true;
    provided.refused = reason ?? 'not allowed';
    this.note(`Refused the reference from ${provided.by} (${describeSecretRef(provided.ref)}): ${provided.refused}`, { by: provided.by, refused: true });
    return false;
  }

  // ── probes & monitoring (engine/monitoring.ts) ──────────────────────────────────────────────

  probe(spec: ProbeSpecInput, extracted?: Record<string, string | undefined>): Promise<ProbeResult> {
    return this.v2 ? gather(this, spec, { priority: true, extracted }) : runProbe(this, spec, extracted);
  }

  triage(): Promise<ProbeResult[]> {
    return runTriage(this);
  }

  providerRecovered(): boolean {
    return this.v2 && this.observer.recovered();
  }

  /** After a change: N consecutive real successes make it stable; `confirmRounds` consecutive failures a relapse. */
  async watchAfterChange(): Promise<RecoveryVerdict> {
    if (!this.v2) return (await verifyRecovered(this)) ? 'stable' : 'relapsed';
    this.observer.restartJudgement();
    const o = this.observer.state;
    const relapse = this.input.timings.confirmRounds;
    await this.observer.attend(() => condition(() => this.observer.recovered() || o.failStreak >= relapse));
    const stable = this.observer.recovered();
    this.note(stable ? `Stable after the change: ${o.realStreak} consecutive real calls succeed` : `Relapse confirmed: ${o.failStreak} consecutive real checks fail after the change`);
    return stable ? 'stable' : 'relapsed';
  }

  async verify(): Promise<boolean> {
    return (await this.watchAfterChange()) === 'stable';
  }

  async monitorUntilRecovered(options: MonitorOptions = {}): Promise<void> {
    if (!this.v2) return monitorUntilRecovered(this, options);
    const required = this.observer.required;
    this.setState('monitoring', `waiting for ${required} consecutive successful real calls`);
    let escalated = false;
    const started = Date.now();
    while (!this.observer.recovered()) {
      const limit = options.escalateAfterMs && !escalated ? Math.max(0, started + options.escalateAfterMs - Date.now()) : undefined;
      const settled = await this.observer.attend(() => condition(() => this.observer.recovered() || this.budget.exhausted(), limit));
      if (this.observer.recovered()) break;
      if (!settled) {
        escalated = true;
        await this.escalate(options.escalation ?? `still unhealthy after ${Math.round(options.escalateAfterMs! / 60_000)} min of monitoring`);
        continue;
      }
      // No real calls left to judge by: a human confirms recovery (never a timeout's auto-approval).
      const confirmed = await this.approval({
        stepId: 'confirm-recovery',
        description: 'The billed probe budget is spent, so real calls cannot show recovery: confirm the provider is healthy again (or raise billedProbeBudget)',
        neverAutoApprove: true,
      });
      if (confirmed) break;
      this.note('Recovery not confirmed; the status hint alone is never enough. Waiting for a human.');
      await condition(() => this.interrupted());
    }
    this.note(this.observer.recovered() ? `Provider healthy: ${this.observer.state.realStreak} consecutive real calls succeed` : 'Recovery confirmed by a human (billed budget spent)');
  }

  async continueAsNew(): Promise<never> {
    this.add('note', `History kept bounded: continuing as run ${this.s.run + 1}`);
    this.s.run += 1;
    await condition(allHandlersFinished);
    return continueAsNew<(arg: { continuation: IncidentSnapshot }) => Promise<IncidentResult>>({ continuation: this.s });
  }

  // ── escalation & stakeholder updates ────────────────────────────────────────────────────────

  async escalate(reason: string): Promise<void> {
    this.s.escalations += 1;
    this.add('escalation', reason, { escalation: this.s.escalations });
    await this.notify('escalation', undefined, reason);
  }

  async notify(kind: NotificationMessage['kind'], approval?: NotificationMessage['approval'], escalation?: string): Promise<void> {
    const cause = this.cause;
    const severity = this.s.decision?.severity ?? null;
    const everyMs = severity ? this.input.timings.updateEveryMs[severity] : null;
    if (kind === 'status' || kind === 'reminder') this.s.nextUpdateAt = this.isClosed() ? null : nextUpdateDue(nowIso(), everyMs);
    const message = renderStatusMessage({
      incidentId: this.s.incidentId,
      title: this.runbook.title,
      kind,
      severity,
      state: this.s.state,
      impact: cause?.impact ?? 'Under investigation',
      cause: this.s.rootCause ?? this.s.decision?.rationale ?? 'Under investigation',
      action: this.currentAction(),
      nextUpdateAt: this.s.nextUpdateAt,
      owner: this.s.acknowledgedBy,
      approval,
      escalation,
      // Waiting on an approval after mitigation is still MITIGATED for stakeholders.
      mitigated: this.mitigationInPlace(),
    });
    try {
      const deliveries = await notifyActivities.notify(message);
      const failed = deliveries.filter((d) => !d.ok);
      const summary = `${kind} update sent (${message.status})${deliveries.length ? `: ${deliveries.filter((d) => d.ok).length}/${deliveries.length} sinks ok` : ''}`;
      this.add('notification', failed.length ? `${summary}; failed: ${failed.map((d) => `${d.sink} (${d.error ?? 'error'})`).join(', ')} — retried at the next update` : summary, {
        kind,
        status: message.status,
        failed: failed.map((d) => d.sink),
      });
    } catch (err) {
      if (isCancellation(err)) throw err;
      this.add('notification', `${kind} update could not be sent: ${(err as Error).message} — retried at the next update`, { kind, failed: ['all'] });
    }
  }

  private mitigationInPlace(): boolean {
    return this.s.mutations.some((m) => !m.revertedAt && m.op.kind !== 'rollout-restart');
  }

  private currentAction(): string {
    const cause = this.cause;
    if (this.s.state === 'resolved') return `Resolved. ${this.s.summary ?? ''}`.trim();
    if (this.s.state === 'closed') return `Closed: ${this.s.summary ?? 'no fault to fix'}`;
    if (this.s.state === 'cancelled') return 'Cancelled; every applied change was reverted.';
    const pending = this.s.approvals.filter((a) => a.outcome === 'pending').map((a) => a.stepId);
    if (pending.length) return `Waiting for approval: ${pending.join(', ')}. ${cause?.action ?? ''}`.trim();
    if (this.s.state === 'monitoring' && this.s.monitor) return `${cause?.action ?? 'Monitoring'} (healthy ${this.s.monitor.healthyStreak}/${this.s.monitor.required} checks)`;
    if (this.v2 && this.s.state === 'monitoring' && !this.mitigationInPlace()) {
      const declined = this.s.approvals.filter((a) => a.outcome === 'rejected' || a.outcome === 'timed_out').map((a) => a.stepId);
      return `Monitoring until real calls succeed again; no change is in place${declined.length ? ` (${declined.join(', ')} not approved)` : ''}.`;
    }
    if (this.s.state === 'blocked') return `Triage blocked: ${this.s.blocker ?? 'probes cannot run'}`;
    return cause?.action ?? 'Running triage';
  }

  /** SLA: escalate until someone acknowledges; updates: at every state change, and when due. */
  async backgroundDuties(): Promise<void> {
    await Promise.all([this.slaLoop(), this.updateLoop(), ...(this.v2 ? [this.observer.run()] : [])]);
  }

  private async slaLoop(): Promise<void> {
    const severity = this.s.decision?.severity;
    if (!severity) return;
    this.s.nextEscalationAt ??= new Date(Date.parse(this.s.startedAt) + this.input.timings.slaMs[severity]).toISOString();
    while (!this.finished && !this.s.acknowledgedBy) {
      const waitMs = Math.max(0, Date.parse(this.s.nextEscalationAt) - Date.now());
      const stop = await condition(() => this.finished || this.s.acknowledgedBy !== null, waitMs);
      if (stop) break;
      this.s.nextEscalationAt = new Date(Date.now() + this.input.timings.escalationEveryMs).toISOString();
      await this.escalate(`${severity} not acknowledged within its response time (${Math.round(this.input.timings.slaMs[severity] / 60_000)} min SLA) — page the next on-call`);
    }
  }

  private async updateLoop(): Promise<void> {
    while (!this.finished) {
      const due = this.s.nextUpdateAt ? Math.max(0, Date.parse(this.s.nextUpdateAt) - Date.now()) : undefined;
      const changed = due === undefined
        ? await condition(() => this.finished || this.s.stateVersion !== this.s.lastNotifiedVersion).then(() => true)
        : await condition(() => this.finished || this.s.stateVersion !== this.s.lastNotifiedVersion, due);
      if (this.finished) break;
      this.s.lastNotifiedVersion = this.s.stateVersion;
      await this.notify(changed ? 'status' : 'reminder');
    }
  }

  // ── the run ─────────────────────────────────────────────────────────────────────────────────

  async run(): Promise<IncidentResult> {
    if (this.s.timeline.length === 0) {
      this.add('state', `investigating: ${this.input.trigger} by ${this.input.reporter}${this.input.symptom ? ` — "${this.input.symptom}"` : ''}`);
      upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.state, value: 'investigating' }]);
      this.updateMemo();
    }
    if (!this.s.decision && this.v2) {
      await decide(this);
    }
    if (!this.s.decision && !this.v2) {
      const results = await this.triage();
      const decision = this.runbook.classify(results, this.s.probeHistory.slice(0, -1), {
        reportedCause: this.input.suspectedCause,
        thresholds: this.input.decisionThresholds,
      });
      this.s.decision = decision;
      this.add('decision', `${decision.severity} ${decision.cause}: ${decision.rationale}`, decision);
      upsertSearchAttributes([
        { key: SEARCH_ATTRIBUTES.severity, value: decision.severity },
        { key: SEARCH_ATTRIBUTES.cause, value: decision.cause },
      ]);
      this.updateMemo();
    }
    const background = this.backgroundDuties();
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
    return this.result();
  }

  /** One plan run, cancellable from outside; re-triage and continue-as-new restart it. */
  private async planOnce(): Promise<RemediationOutcome> {
    const cause = this.cause;
    if (!cause) throw ApplicationFailure.nonRetryable(`runbook ${this.runbook.id} has no plan for cause ${this.s.decision?.cause}`, ErrorTypes.NoRemediationPlan);
    const remediate = !this.v2 && cause.legacyRemediate ? cause.legacyRemediate : cause.remediate;
    return CancellationScope.cancellable(async () => {
      this.planScope = CancellationScope.current();
      if (this.interrupted()) throw new Interrupted();
      const outcome = await remediate(this);
      if (this.v2) await this.settleLeftovers();
      return outcome;
    });
  }

  /**
   * Temporary changes an earlier plan made (before a re-triage) and nobody reverted or kept:
   * each is restored through an approval, or kept with the reason on the timeline.
   */
  private async settleLeftovers(): Promise<void> {
    for (const m of this.s.mutations.filter((r) => !r.revertedAt && !r.keptBecause && r.op.kind !== 'rollout-restart')) {
      const approved = await this.approval({
        stepId: restoreStep(m.step),
        description: `No longer needed (the incident ends as ${this.decision.cause}): restore ${m.change} on ${m.target} to its recorded prior state`,
        kubectl: m.revertKubectl,
      });
      if (approved) await this.revert(m.step);
      else this.keep(m.step, `${restoreStep(m.step)} was rejected`);
    }
  }

  private async runPlan(): Promise<void> {
    try {
      let outcome: RemediationOutcome | undefined;
      while (!outcome) {
        try {
          outcome = await this.planOnce();
        } catch (err) {
          if (!this.v2 || !isCancellation(err) || this.interrupted()) throw err;
          if (this.continueAsNewDue) await this.continueAsNew();
          const retriage = this.pendingRetriage;
          if (!retriage) throw err;
          this.pendingRetriage = null;
          await CancellationScope.nonCancellable(() => applyRetriage(this, retriage.decision, retriage.why));
        }
      }
      this.s.summary = outcome.summary;
      // Nothing was wrong, or nothing was fixed: `closed`, never a `resolved` that did not happen (v2).
      await this.close(this.v2 && outcome.resolution === 'closed' ? 'closed' : 'resolved', outcome.summary);
    } catch (err) {
      if (!isCancellation(err) && !(err instanceof Interrupted)) {
        // Continue-as-new unwinds the run by throwing: pass it on, it is not a failure.
        if (err instanceof ContinueAsNew) throw err;
        await CancellationScope.nonCancellable(() => this.fail(err));
        return;
      }
      await CancellationScope.nonCancellable(async () => {
        if (this.s.cancellation) {
          await this.revertAll();
          this.s.summary = `Cancelled by ${this.s.cancellation.by}: ${this.s.cancellation.reason}`;
          await this.close('cancelled', this.s.summary);
        } else {
          const resolution = this.s.manualResolution!;
          await this.revertAll();
          this.s.summary = `Resolved manually by ${resolution.by}: ${resolution.reason}`;
          await this.close('resolved', this.s.summary);
        }
      });
    }
  }

  private async fail(err: unknown): Promise<void> {
    const message = err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : String(err);
    this.s.summary = `Remediation failed: ${message}`;
    await this.escalate(`remediation failed and needs a human: ${message}`);
    try {
      await this.revertAll();
    } catch (revertError) {
      this.note(`Could not revert every change: ${(revertError as Error).message} — revert by hand with the kubectl commands in the postmortem`);
    }
    await this.close('failed', this.s.summary);
  }

  private async close(state: 'resolved' | 'closed' | 'cancelled' | 'failed', summary: string): Promise<void> {
    this.setState(state, summary);
    this.s.endedAt = nowIso();
    this.s.nextUpdateAt = null;
    // The closing update is sent here; the update loop must not send it a second time.
    this.s.lastNotifiedVersion = this.s.stateVersion;
    await this.notify('status');
    if (!this.v2) {
      const { path } = await postmortemActivities.writePostmortem({ incidentId: this.s.incidentId, markdown: this.renderPostmortem() });
      this.s.postmortemPath = path;
      return;
    }
    // A postmortem that cannot be written is a fact to record, never a failed remediation.
    try {
      const { path } = await postmortemActivities.writePostmortem({ incidentId: this.s.incidentId, markdown: this.renderPostmortem() });
      this.s.postmortemPath = path;
    } catch (err) {
      if (isCancellation(err)) throw err;
      this.note(`The postmortem file could not be written after retries (${failureMessage(err)}); its text is in the incident result: runbook postmortem ${this.s.incidentId}`);
    }
  }

  renderPostmortem(): string {
    return renderPostmortem({
      title: this.runbook.title,
      incidentId: this.s.incidentId,
      startedAt: this.s.startedAt,
      endedAt: this.s.endedAt,
      decision: this.s.decision,
      summary: this.s.summary ?? this.s.decision?.rationale ?? 'Incident in progress.',
      rootCause: this.s.rootCause,
      timeline: this.s.timeline,
      mutations: this.s.mutations,
      causes: this.s.causes ?? [],
      actionItems: this.cause?.actionItems ?? [],
      owner: this.s.acknowledgedBy,
      state: this.s.state,
    });
  }

  result(): IncidentResult {
    return {
      incidentId: this.s.incidentId,
      state: this.s.state,
      severity: this.s.decision?.severity ?? null,
      cause: this.s.decision?.cause ?? null,
      decision: this.s.decision,
      timeline: this.s.timeline,
      approvals: this.s.approvals.flatMap((a) => a.decisions.map((d) => ({ ...d, stepId: a.stepId }))),
      mutations: this.s.mutations,
      causes: this.s.causes ?? [],
      postmortem: this.renderPostmortem(),
      postmortemPath: this.s.postmortemPath,
    };
  }
}
