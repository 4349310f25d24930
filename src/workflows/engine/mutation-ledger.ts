import { CancellationScope } from '@temporalio/workflow';
import type { DriftChoice, MutationDrift, MutationOp, MutationRecord, SecretRef } from '../../contract/index.ts';
import { clusterActivities, rolloutActivities } from './activities.ts';
import type { ApprovalStep } from './context.ts';
import type { TimelinePort } from './ports.ts';
import type { IncidentView } from './snapshot.ts';
import type { LedgerSlice } from './slices.ts';

const nowIso = () => new Date(Date.now()).toISOString();

/** Asks a human (the approval gate): absent, drift is left as the human set it without asking. */
export type AskHuman = (step: ApprovalStep) => Promise<boolean>;

const driftText = (drift: MutationDrift) =>
  drift.knobs.map((k) => `${k.knob} is ${k.live} (set by hand), the engine expected ${k.expected}`).join('; ');

export type LedgerReads = Pick<IncidentView, 'input' | 'incidentId' | 'serviceName' | 'state' | 'approvals'>;

/**
 * Every change the incident makes to production, with its recorded prior state: apply, revert,
 * keep (with the reason), and the cluster reads plans decide by. The ledger is carried in the snapshot,
 * so it survives continue-as-new and ends up in the postmortem.
 */
export class MutationLedger {
  private readonly changes: LedgerSlice;
  /** Read: the input, the state, and which approval steps were asked. */
  private readonly incident: LedgerReads;
  private readonly timeline: TimelinePort;
  private readonly ask: AskHuman | undefined;

  constructor(changes: LedgerSlice, incident: LedgerReads, timeline: TimelinePort, ask?: AskHuman) {
    this.changes = changes;
    this.incident = incident;
    this.timeline = timeline;
    this.ask = ask;
  }

  /** Only the service's name travels: the worker's catalog decides which cluster and objects it is. */
  private service() {
    return { service: this.incident.serviceName };
  }

  /** A cancelled plan never cuts a change short: every change it started reaches the ledger. */
  private shielded<T>(fn: () => Promise<T>): Promise<T> {
    return CancellationScope.nonCancellable(fn);
  }

  private openIndex(step: string): number {
    return this.changes.mutations.findIndex((m) => m.step === step && !m.revertedAt);
  }

  async apply(
    step: string,
    op: MutationOp,
    options: { purpose?: MutationRecord['purpose'] } = {},
  ): Promise<MutationRecord> {
    const existing = this.changes.mutations.find((m) => m.step === step && !m.revertedAt);
    // Drift still unsettled (the run was interrupted while a human was asked): ask again.
    if (existing?.drift?.during === 'apply' && !existing.keptBecause)
      return this.settleDrift(step, (onDrift) =>
        clusterActivities.applyMutation({ ...this.applyRequest(step, op), onDrift }),
      );
    if (existing) return existing;
    if (this.incident.state === 'investigating' || this.incident.state === 'awaiting_approval')
      this.timeline.setState('mitigating', step);
    const request = this.applyRequest(step, op);
    const applied = await this.shielded(() => clusterActivities.applyMutation(request));
    const record = options.purpose ? { ...applied, purpose: options.purpose } : applied;
    // Recorded before a human is asked about drift: the mutation holds the knob, so it must be in the ledger.
    this.changes.mutations.push(record);
    if (record.drift)
      return this.settleDrift(step, (onDrift) => clusterActivities.applyMutation({ ...request, onDrift }));
    this.recordApplied(record);
    return record;
  }

  private applyRequest(step: string, op: MutationOp) {
    return {
      mutationId: `${this.incident.incidentId}/${step}`,
      step,
      op: op.kind === 'rollout-restart' ? { ...op, at: op.at ?? nowIso() } : op,
      dryRun: this.incident.input.policy.dryRun,
      ...this.service(),
    };
  }

  private recordApplied(record: MutationRecord, why = ''): void {
    const how =
      record.mode === 'applied'
        ? ''
        : record.mode === 'dry-run'
          ? ' (server-side dry run: nothing persisted)'
          : ' (record-only: nothing applied)';
    this.timeline.add('mutation', `${record.change} on ${record.target}${how}${why}`, {
      mutationId: record.id,
      step: record.step,
      kubectl: record.kubectl,
      mode: record.mode,
      changed: record.changed,
    });
  }

  async revert(step: string): Promise<void> {
    const index = this.openIndex(step);
    if (index < 0) return;
    const record = this.changes.mutations[index]!;
    if (record.op.kind === 'rollout-restart') {
      this.changes.mutations[index] = { ...record, revertedAt: nowIso() };
      return;
    }
    // Left as a human set it by their choice: the engine holds nothing there to put back.
    if (record.drift && record.keptBecause) return;
    const request = { record, dryRun: this.incident.input.policy.dryRun, ...this.service() };
    const result = await this.shielded(() => clusterActivities.revertMutation(request));
    this.changes.mutations[index] = result;
    if (result.drift) {
      await this.settleDrift(step, (onDrift) =>
        clusterActivities.revertMutation({ ...request, record: result, onDrift }),
      );
      return;
    }
    this.recordReverted(result);
  }

  private recordReverted(record: MutationRecord, why = ''): void {
    this.timeline.add('reverted', `${record.change} on ${record.target} reverted to the recorded prior state${why}`, {
      mutationId: record.id,
      step: record.step,
      kubectl: record.revertKubectl,
    });
  }

  /**
   * The open record of `step` found a value a human set since the engine set it, and wrote nothing
   * there. The drift goes on the timeline; a human chooses: approve writes the engine's value anyway
   * (`again` with `overwrite`: the change on apply, the recorded original on revert), reject leaves
   * the human's value and lets go of the knob; the record is then kept, with the drift as the reason.
   */
  private async settleDrift(
    step: string,
    again: (onDrift: DriftChoice) => Promise<MutationRecord>,
  ): Promise<MutationRecord> {
    const index = this.openIndex(step);
    const record = this.changes.mutations[index]!;
    const applying = record.drift!.during === 'apply';
    const found = driftText(record.drift!);
    const stepId = this.driftStep(step);
    if (!this.incident.approvals.some((a) => a.stepId === stepId)) {
      this.timeline.note(`drift: ${found}: left as the human set it`, {
        mutationId: record.id,
        step,
        drift: record.drift,
      });
    }
    const before = this.incident.state;
    const approved = this.ask
      ? await this.ask({
          stepId,
          description: applying
            ? `${record.change} on ${record.target} was not applied: ${found}. Approve to apply it over the human's value, reject to keep the human's value`
            : `${record.change} on ${record.target} was not reverted: ${found}. Approve to restore the recorded prior state over the human's value, reject to keep the human's value`,
          kubectl: applying ? record.kubectl : record.revertKubectl,
          neverAutoApprove: true,
        })
      : false;
    const choice: DriftChoice = approved ? 'overwrite' : 'keep';
    const settled = await this.shielded(() =>
      applying && approved
        ? again(choice)
        : clusterActivities.revertMutation({
            record,
            dryRun: this.incident.input.policy.dryRun,
            ...this.service(),
            onDrift: choice,
          }),
    );
    const result: MutationRecord = { ...settled, ...(record.purpose ? { purpose: record.purpose } : {}) };
    if (approved) {
      this.changes.mutations[index] = result;
      if (applying) this.recordApplied(result, `, over the value set by hand (${stepId} approved)`);
      else this.recordReverted(result, `, over the value set by hand (${stepId} approved)`);
    } else if (result.revertedAt && !applying) {
      // The human's value was gone again by the time of the choice: nothing of theirs to keep.
      this.changes.mutations[index] = result;
      this.recordReverted(result);
    } else {
      // The engine lets go of the knob: kept (never "reverted"), with the drift as the reason.
      const reason = `drift: ${found}: left as the human set it (${stepId} ${this.ask ? 'rejected' : 'not asked'})`;
      const { revertedAt: _released, ...kept } = result;
      this.changes.mutations[index] = { ...kept, drift: record.drift, keptBecause: reason };
      this.timeline.note(
        `Not ${applying ? 'applied' : 'reverted'} over the human's value: ${record.change} on ${record.target} — ${reason}`,
        { mutationId: record.id, step, keptBecause: reason },
      );
    }
    if (this.incident.state === 'awaiting_approval' && before !== 'awaiting_approval')
      this.timeline.setState(before, `${stepId} settled`);
    return this.changes.mutations[index]!;
  }

  /** `drift-<step>`; a step that drifts again after an earlier drift was settled asks anew. */
  private driftStep(step: string): string {
    for (let n = 1; ; n += 1) {
      const stepId = n === 1 ? `drift-${step}` : `drift-${step}-${n}`;
      const asked = this.incident.approvals.find((a) => a.stepId === stepId);
      if (!asked || asked.outcome === 'pending') return stepId;
    }
  }

  /** Restores everything still applied, newest first; `keepKept` leaves what was deliberately kept (a rotated key). */
  async revertAll(options: { keepKept?: boolean } = {}): Promise<void> {
    for (const record of [...this.changes.mutations].reverse()) {
      if (!record.revertedAt && !(options.keepKept && record.keptBecause) && !(record.drift && record.keptBecause))
        await this.revert(record.step);
    }
  }

  ledger(): readonly MutationRecord[] {
    return this.changes.mutations;
  }

  applied(step: string): boolean {
    return this.openIndex(step) >= 0;
  }

  keep(step: string, reason: string): void {
    const index = this.openIndex(step);
    if (index < 0) return;
    const record = this.changes.mutations[index]!;
    if (record.keptBecause === reason) return;
    this.changes.mutations[index] = { ...record, keptBecause: reason };
    this.timeline.note(`Kept in place: ${record.change} on ${record.target} — ${reason}`, {
      mutationId: record.id,
      step,
      keptBecause: reason,
    });
  }

  /** Temporary changes nobody reverted or kept (a restart is not a change to undo). */
  leftovers(): MutationRecord[] {
    return this.changes.mutations.filter((r) => !r.revertedAt && !r.keptBecause && r.op.kind !== 'rollout-restart');
  }

  async waitForRollout(): Promise<boolean> {
    const k = this.incident.input.service.kubernetes;
    const { ready, reason } = await rolloutActivities.waitForRollout({
      namespace: k.namespace,
      deployment: k.deployment,
      timeoutMs: this.incident.input.timings.rolloutTimeoutMs,
    });
    this.timeline.note(`Rollout of deployment/${k.deployment}: ${ready ? 'complete' : 'not complete'} (${reason})`);
    return ready;
  }

  async readEnv(name: string): Promise<Array<{ container: string; value: string | null }>> {
    const k = this.incident.input.service.kubernetes;
    const state = await clusterActivities.readDeploymentState({ namespace: k.namespace, deployment: k.deployment });
    return state.containers
      .filter((c) => !k.container || c.name === k.container)
      .map((c) => ({ container: c.name, value: c.env.find((e) => e.name === name)?.value ?? null }));
  }

  async inspectSecret(ref: SecretRef): Promise<{ present: boolean; length: number }> {
    const { present, length } = await clusterActivities.inspectSecretRef({ ref });
    return { present, length };
  }
}
