import { CancellationScope } from '@temporalio/workflow';
import type { MutationOp, MutationRecord, SecretRef } from '../../contract/index.ts';
import { clusterActivities, rolloutActivities } from './activities.ts';
import type { TimelinePort } from './ports.ts';
import type { IncidentSnapshot } from './snapshot.ts';

const nowIso = () => new Date(Date.now()).toISOString();

/**
 * Every change the incident makes to production, with its recorded prior state: apply, revert,
 * keep (with the reason), and the cluster reads plans decide by. The ledger lives in the snapshot,
 * so it survives continue-as-new and ends up in the postmortem.
 */
export class MutationLedger {
  private readonly s: IncidentSnapshot;
  private readonly timeline: TimelinePort;
  private readonly v2: boolean;

  constructor(snapshot: IncidentSnapshot, timeline: TimelinePort) {
    this.s = snapshot;
    this.timeline = timeline;
    this.v2 = snapshot.engine === 2;
  }

  private anchor() {
    const k = this.s.input.service.kubernetes;
    return { namespace: k.namespace, deployment: k.deployment };
  }

  /** Since the catalog only the service's name travels: the worker decides which cluster it is. */
  private service() {
    return this.s.serviceName ? { service: this.s.serviceName } : {};
  }

  /** Before judgement v2 a cancelled plan could cut a change short; since, a change always reaches the ledger. */
  private shielded<T>(fn: () => Promise<T>): Promise<T> {
    return this.v2 ? CancellationScope.nonCancellable(fn) : fn();
  }

  private openIndex(step: string): number {
    return this.s.mutations.findIndex((m) => m.step === step && !m.revertedAt);
  }

  async apply(step: string, op: MutationOp, options: { purpose?: MutationRecord['purpose'] } = {}): Promise<MutationRecord> {
    const existing = this.s.mutations.find((m) => m.step === step && !m.revertedAt);
    if (existing) return existing;
    if (this.s.state === 'investigating' || this.s.state === 'awaiting_approval') this.timeline.setState('mitigating', step);
    const request = {
      mutationId: `${this.s.incidentId}/${step}`,
      step,
      op: op.kind === 'rollout-restart' ? { ...op, at: op.at ?? nowIso() } : op,
      dryRun: this.s.input.policy.dryRun,
      anchor: this.anchor(),
      ...this.service(),
    };
    const applied = await this.shielded(() => clusterActivities.applyMutation(request));
    const record = options.purpose ? { ...applied, purpose: options.purpose } : applied;
    this.s.mutations.push(record);
    const how = record.mode === 'applied' ? '' : record.mode === 'dry-run' ? ' (server-side dry run: nothing persisted)' : ' (record-only: nothing applied)';
    this.timeline.add('mutation', `${record.change} on ${record.target}${how}`, { mutationId: record.id, step, kubectl: record.kubectl, mode: record.mode, changed: record.changed });
    return record;
  }

  async revert(step: string): Promise<void> {
    const index = this.openIndex(step);
    if (index < 0) return;
    const record = this.s.mutations[index]!;
    if (record.op.kind === 'rollout-restart') {
      this.s.mutations[index] = { ...record, revertedAt: nowIso() };
      return;
    }
    const request = { record, dryRun: this.s.input.policy.dryRun, anchor: this.anchor(), ...this.service() };
    this.s.mutations[index] = await this.shielded(() => clusterActivities.revertMutation(request));
    this.timeline.add('reverted', `${record.change} on ${record.target} reverted to the recorded prior state`, { mutationId: record.id, step, kubectl: record.revertKubectl });
  }

  /** Restores everything still applied, newest first; `keepKept` leaves what was deliberately kept (a rotated key). */
  async revertAll(options: { keepKept?: boolean } = {}): Promise<void> {
    for (const record of [...this.s.mutations].reverse()) {
      if (!record.revertedAt && !(options.keepKept && record.keptBecause)) await this.revert(record.step);
    }
  }

  ledger(): readonly MutationRecord[] {
    return this.s.mutations;
  }

  applied(step: string): boolean {
    return this.openIndex(step) >= 0;
  }

  keep(step: string, reason: string): void {
    const index = this.openIndex(step);
    if (index < 0) return;
    const record = this.s.mutations[index]!;
    if (record.keptBecause === reason) return;
    this.s.mutations[index] = { ...record, keptBecause: reason };
    this.timeline.note(`Kept in place: ${record.change} on ${record.target} — ${reason}`, { mutationId: record.id, step, keptBecause: reason });
  }

  /** Temporary changes nobody reverted or kept (a restart is not a change to undo). */
  leftovers(): MutationRecord[] {
    return this.s.mutations.filter((r) => !r.revertedAt && !r.keptBecause && r.op.kind !== 'rollout-restart');
  }

  async waitForRollout(): Promise<boolean> {
    const k = this.s.input.service.kubernetes;
    const { ready, reason } = await rolloutActivities.waitForRollout({ namespace: k.namespace, deployment: k.deployment, timeoutMs: this.s.input.timings.rolloutTimeoutMs });
    this.timeline.note(`Rollout of deployment/${k.deployment}: ${ready ? 'complete' : 'not complete'} (${reason})`);
    return ready;
  }

  async readEnv(name: string): Promise<Array<{ container: string; value: string | null }>> {
    const k = this.s.input.service.kubernetes;
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
