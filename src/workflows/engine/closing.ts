import { isCancellation } from '@temporalio/workflow';
import { postmortemActivities } from './activities.ts';
import type { Communications } from './communications.ts';
import { failureMessage } from './evidence.ts';
import type { MutationLedger } from './mutation-ledger.ts';
import type { Observer } from './observer.ts';
import type { EngineCore } from './ports.ts';
import type { IncidentRecorder } from './recorder.ts';
import type { ClosingSlice } from './slices.ts';

const nowIso = () => new Date(Date.now()).toISOString();

export type FinalState = 'resolved' | 'closed' | 'cancelled' | 'failed';

/** What ending an incident works through. */
export interface ClosingPorts {
  engine: EngineCore;
  recorder: IncidentRecorder;
  comms: Communications;
  ledger: MutationLedger;
  observer: Pick<Observer, 'stop'>;
}

/**
 * How an incident ends: the final state, the closing update (always the last one stakeholders get),
 * and the postmortem. A human's resolve or cancel reverts what was not deliberately kept and says
 * what is still in place.
 */
export class Closing {
  /** When it ended, how it is summed up, and where its postmortem was written. */
  private readonly ending: ClosingSlice;
  private readonly ports: ClosingPorts;

  constructor(ending: ClosingSlice, ports: ClosingPorts) {
    this.ending = ending;
    this.ports = ports;
  }

  private get incident() {
    return this.ports.engine.view;
  }

  /** Resolved or cancelled by a human. */
  async byHuman(): Promise<void> {
    const ledger = this.ports.ledger;
    await ledger.revertAll({ keepKept: true });
    const kept = ledger.ledger().filter((m) => !m.revertedAt && m.keptBecause && m.op.kind !== 'rollout-restart');
    const still = kept.length
      ? `. Still in place: ${kept.map((m) => `${m.change} on ${m.target} (${m.keptBecause})`).join('; ')}`
      : '';
    const cancellation = this.incident.cancellation;
    if (cancellation) {
      await this.close('cancelled', `Cancelled by ${cancellation.by}: ${cancellation.reason}${still}`);
      return;
    }
    const resolution = this.incident.manualResolution!;
    await this.close('resolved', `Resolved manually by ${resolution.by}: ${resolution.reason}${still}`);
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
    const summary = `Remediation failed: ${message}`;
    this.ending.summary = summary;
    await this.ports.engine.escalate(`remediation failed and needs a human: ${message}`);
    try {
      await this.ports.ledger.revertAll();
    } catch (revertError) {
      this.ports.engine.note(
        `Could not revert every change: ${(revertError as Error).message} — revert by hand with the kubectl commands in the postmortem`,
      );
    }
    await this.close('failed', summary);
  }

  async close(state: FinalState, summary: string): Promise<void> {
    const { engine, comms, recorder, observer } = this.ports;
    await observer.stop();
    this.ending.summary = summary;
    engine.setState(state, summary);
    this.ending.endedAt = nowIso();
    // The closing update is sent here; the update loop must not send it a second time.
    comms.stopUpdates();
    await comms.quiet();
    await comms.notify('status');
    const markdown = recorder.postmortem();
    // A postmortem that cannot be written is a fact to record, never a failed remediation.
    try {
      const written = await postmortemActivities.writePostmortem({ incidentId: this.incident.incidentId, markdown });
      this.ending.postmortemPath = written.path;
      recorder.postmortemWritten(markdown);
    } catch (err) {
      if (isCancellation(err)) throw err;
      engine.note(
        `The postmortem file could not be written after retries (${failureMessage(err)}); its text is in the incident result: runbook postmortem ${this.incident.incidentId}`,
      );
    }
  }
}
