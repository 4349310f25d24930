import { isCancellation } from '@temporalio/workflow';
import { postmortemActivities } from './activities.ts';
import type { Communications } from './communications.ts';
import { failureMessage } from './evidence.ts';
import type { MutationLedger } from './mutation-ledger.ts';
import type { EngineCore } from './ports.ts';
import type { IncidentRecorder } from './recorder.ts';

const nowIso = () => new Date(Date.now()).toISOString();

export type FinalState = 'resolved' | 'closed' | 'cancelled' | 'failed';

/** What ending an incident works through. */
export interface ClosingPorts {
  engine: EngineCore;
  recorder: IncidentRecorder;
  comms: Communications;
  ledger: MutationLedger;
}

/**
 * How an incident ends: the final state, the closing update (always the last one stakeholders get),
 * and the postmortem. A human's resolve or cancel reverts what was not deliberately kept and says
 * what is still in place.
 */
export class Closing {
  private readonly ports: ClosingPorts;

  constructor(ports: ClosingPorts) {
    this.ports = ports;
  }

  private get s() {
    return this.ports.engine.s;
  }

  /** Resolved or cancelled by a human. */
  async byHuman(): Promise<void> {
    const ledger = this.ports.ledger;
    await ledger.revertAll({ keepKept: true });
    const kept = ledger.ledger().filter((m) => !m.revertedAt && m.keptBecause && m.op.kind !== 'rollout-restart');
    const still = kept.length
      ? `. Still in place: ${kept.map((m) => `${m.change} on ${m.target} (${m.keptBecause})`).join('; ')}`
      : '';
    const cancellation = this.s.cancellation;
    if (cancellation) {
      this.s.summary = `Cancelled by ${cancellation.by}: ${cancellation.reason}${still}`;
      await this.close('cancelled', this.s.summary);
      return;
    }
    const resolution = this.s.manualResolution!;
    this.s.summary = `Resolved manually by ${resolution.by}: ${resolution.reason}${still}`;
    await this.close('resolved', this.s.summary);
  }

  /**
   * The engine itself could not go on (a plan error the hand-over could not take, a closing that
   * failed): escalate, undo what can be undone, and end as failed.
   */
  async failed(err: unknown): Promise<void> {
    const message =
      err instanceof Error
        ? err.cause instanceof Error
          ? `${err.message}: ${err.cause.message}`
          : err.message
        : String(err);
    this.s.summary = `Remediation failed: ${message}`;
    await this.ports.engine.escalate(`remediation failed and needs a human: ${message}`);
    try {
      await this.ports.ledger.revertAll();
    } catch (revertError) {
      this.ports.engine.note(
        `Could not revert every change: ${(revertError as Error).message} — revert by hand with the kubectl commands in the postmortem`,
      );
    }
    await this.close('failed', this.s.summary);
  }

  async close(state: FinalState, summary: string): Promise<void> {
    const { engine, comms, recorder } = this.ports;
    engine.setState(state, summary);
    this.s.endedAt = nowIso();
    this.s.nextUpdateAt = null;
    // The closing update is sent here; the update loop must not send it a second time.
    this.s.lastNotifiedVersion = this.s.stateVersion;
    await comms.quiet();
    await comms.notify('status');
    const write = () =>
      postmortemActivities.writePostmortem({ incidentId: this.s.incidentId, markdown: recorder.postmortem() });
    // A postmortem that cannot be written is a fact to record, never a failed remediation.
    try {
      this.s.postmortemPath = (await write()).path;
    } catch (err) {
      if (isCancellation(err)) throw err;
      engine.note(
        `The postmortem file could not be written after retries (${failureMessage(err)}); its text is in the incident result: runbook postmortem ${this.s.incidentId}`,
      );
    }
  }
}
