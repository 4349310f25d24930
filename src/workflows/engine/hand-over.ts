import { condition } from '@temporalio/workflow';
import {
  describeSecretRef,
  viaText,
  type ActionAnswer,
  type ActionRequest,
  type MutationRecord,
} from '../../contract/index.ts';
import { failureMessage } from './evidence.ts';
import type { EngineCore, RunControl } from './ports.ts';
import type { HandOverSlice } from './slices.ts';

const nowIso = () => new Date(Date.now()).toISOString();

/** What the hand-over works through. */
export interface HandOverPorts {
  engine: EngineCore & Pick<RunControl, 'interrupted'>;
  ledger: { ledger(): readonly MutationRecord[]; revert(step: string): Promise<void> };
  observer: { recovered(): boolean; restartJudgement(): void; requiredSuccesses: number };
}

/** Why the wait for a human ended. */
export type HandOverExit = 'interrupted' | 'retry' | 'yield';

export const inPlace = (ledger: readonly MutationRecord[]) =>
  ledger.filter((m) => !m.revertedAt && m.op.kind !== 'rollout-restart');

const describeInPlace = (m: MutationRecord) =>
  `${m.change} on ${m.target} (step ${m.step}${m.purpose ? `, ${m.purpose}` : ''})`;

/**
 * "I could not fix it" never means "I undid the protection and walked away": when a plan's
 * verification fails or a step errors, the incident stays open in `needs_human`, escalates, keeps
 * every change in place and waits for a human's choice — or for real calls to recover by themselves.
 */
export class HandOver {
  /** Whether a human owns the incident, and the choices they made that wait to be carried out. */
  private readonly human: HandOverSlice;
  private readonly ports: HandOverPorts;

  constructor(human: HandOverSlice, ports: HandOverPorts) {
    this.human = human;
    this.ports = ports;
  }

  private get incident() {
    return this.ports.engine.view;
  }

  owned(): boolean {
    return Boolean(this.human.handedOver);
  }

  /** Choices made that are not carried out yet. */
  pendingChoices(): number {
    return this.human.humanRequests?.length ?? 0;
  }

  /** The handed-over reference at `index` was dropped to make room: it no longer counts as seen. */
  forgetSecretRef(index: number): void {
    const handedOver = this.human.handedOver;
    if (handedOver && index < handedOver.secretRefsSeen) handedOver.secretRefsSeen -= 1;
  }

  /** The plan failed: hand the incident to a human, with the protection in place. */
  async own(err: unknown): Promise<void> {
    const engine = this.ports.engine;
    const reason = failureMessage(err);
    // Only new real successes may resume the plan: a plan that fails at once must not loop.
    this.ports.observer.restartJudgement();
    this.human.handedOver = { reason, at: nowIso(), secretRefsSeen: this.incident.secretRefs.length };
    this.human.humanRequests = [];
    engine.setState('needs_human', `the plan could not fix the fault: ${reason}`);
    const changes = inPlace(this.ports.ledger.ledger());
    const kept = changes.length
      ? `Still in place (not reverted while the provider fails): ${changes.map(describeInPlace).join('; ')}.`
      : 'No change is in place.';
    const id = this.incident.incidentId;
    const secretStep = this.incident.approvals.filter((a) => a.awaits === 'secret-ref').at(-1)?.stepId;
    const choices = [
      `runbook verify ${id} --by <you>`,
      ...(secretStep ? [`runbook provide-secret ${id} ${secretStep} --ref env:NAME --by <you>`] : []),
      ...(changes.length ? [`runbook revert ${id} <${changes.map((m) => m.step).join('|')}> --by <you>`] : []),
      `runbook resolve ${id} <reason> --by <you>`,
      `runbook cancel ${id} <reason> --by <you>`,
    ];
    await engine.escalate(
      `the fix did not take and a human owns the incident now: ${reason}. ${kept} Real calls keep being watched; if they recover the plan resumes by itself. Choose: ${choices.join(' | ')}`,
    );
  }

  /** verify_again and revert_change (the validator already checked the action table). */
  request(req: ActionRequest): ActionAnswer {
    (this.human.humanRequests ??= []).push({
      action: req.action as 'verify_again' | 'revert_change',
      by: req.by,
      step: req.step,
      reason: req.reason,
    });
    const chose = req.action === 'verify_again' ? 'to verify again' : `to revert ${req.step}`;
    this.ports.engine.note(`${req.by}${viaText(req.via)} chose ${chose}${req.reason ? `: ${req.reason}` : ''}`, {
      by: req.by,
      action: req.action,
      ...(req.via ? { via: req.via } : {}),
    });
    return {
      accepted: true,
      message: req.action === 'verify_again' ? 'verifying again with real calls' : `reverting ${req.step}`,
    };
  }

  /** Waits in `needs_human` until a human chooses, real calls recover, or the run must yield (`other`). */
  async wait(other: () => boolean): Promise<HandOverExit> {
    const engine = this.ports.engine;
    const observer = this.ports.observer;
    const requests = () => (this.human.humanRequests ??= []);
    const newSecret = () =>
      this.incident.secretRefs.slice(this.human.handedOver?.secretRefsSeen ?? 0).find((r) => !r.refused);
    for (;;) {
      await condition(
        () =>
          engine.interrupted() || other() || observer.recovered() || requests().length > 0 || newSecret() !== undefined,
      );
      if (engine.interrupted()) return 'interrupted';
      if (other()) return 'yield';
      const next = requests().shift();
      if (next?.action === 'revert_change' && next.step) {
        await this.ports.ledger.revert(next.step);
        engine.note(`Reverted ${next.step} by ${next.by}'s choice; the incident stays with a human`, {
          by: next.by,
          step: next.step,
        });
        continue;
      }
      if (next?.action === 'verify_again') return this.release(`${next.by} asked to verify again`);
      const provided = newSecret();
      if (provided) return this.release(`${provided.by} handed over ${describeSecretRef(provided.ref)}`);
      if (observer.recovered())
        return this.release(`${observer.requiredSuccesses} consecutive real calls succeed again`);
    }
  }

  release(why: string): 'retry' {
    this.human.handedOver = null;
    this.human.humanRequests = [];
    this.ports.engine.setState('mitigating', `resuming the plan: ${why}`);
    return 'retry';
  }
}
