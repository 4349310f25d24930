import { ApplicationFailure, condition } from '@temporalio/workflow';
import { ErrorTypes, type ProbeResult, type ProbeSpecInput } from '../../contract/index.ts';
import type { ApprovalStep, MonitorOptions, RecoveryVerdict, VerifyOptions } from './context.ts';
import { gather } from './evidence.ts';
import type { Observer } from './observer.ts';
import type { ProbeEngine, RunControl } from './ports.ts';

const describeDuration = (ms: number) =>
  ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;

/** What the probe runner works through: the incident's probes, its observer, and a human gate. */
export interface ProbeRunnerPorts {
  engine: ProbeEngine & RunControl;
  observer: Pick<Observer, 'required' | 'recovered' | 'attend' | 'restartJudgement' | 'state'>;
  approval(step: ApprovalStep): Promise<boolean>;
}

/** The probes and recovery verdicts remediation plans ask for, judged by the observer's real calls. */
export class ProbeRunner {
  private readonly engine: ProbeEngine & RunControl;
  private readonly observer: ProbeRunnerPorts['observer'];
  private readonly ports: ProbeRunnerPorts;

  constructor(ports: ProbeRunnerPorts) {
    this.ports = ports;
    this.engine = ports.engine;
    this.observer = ports.observer;
  }

  probe(spec: ProbeSpecInput, extracted?: Record<string, string | undefined>): Promise<ProbeResult> {
    return gather(this.engine, spec, { priority: true, extracted });
  }

  providerRecovered(): boolean {
    return this.observer.recovered();
  }

  /** After a change: N consecutive real successes make it stable; `confirmRounds` consecutive failures a relapse. */
  async watchAfterChange(options: VerifyOptions = {}): Promise<RecoveryVerdict> {
    this.observer.restartJudgement();
    const seen = this.observer.state;
    const relapse = this.engine.input.timings.confirmRounds;
    // A spent budget can make no more real calls: waiting for them would wait forever, a human is asked.
    const unjudgeable = () => seen.budgetSpent === true;
    const graceMs = options.graceMs ?? 0;
    if (graceMs > 0)
      this.engine.note(
        `Giving the change ${describeDuration(graceMs)} to take: real calls that fail before then are not a verdict`,
      );
    await this.observer.attend(async () => {
      // Within the grace only success (or a spent budget) ends the wait; after it, repeated failures do too.
      if (graceMs > 0) await condition(() => this.observer.recovered() || unjudgeable(), graceMs);
      await condition(() => this.observer.recovered() || seen.failStreak >= relapse || unjudgeable());
    });
    if (!this.observer.recovered() && seen.failStreak < relapse) {
      const confirmed = await this.ports.approval({
        stepId: 'confirm-stable',
        description:
          'The billed probe budget is spent, so real calls cannot show the provider stays healthy after this change: confirm it is (reject to treat it as a relapse)',
        neverAutoApprove: true,
      });
      this.engine.note(
        confirmed
          ? 'Stable after the change, confirmed by a human (billed budget spent)'
          : 'Relapse reported by a human after the change (billed budget spent)',
      );
      return confirmed ? 'stable' : 'relapsed';
    }
    const stable = this.observer.recovered();
    const failing =
      graceMs > 0
        ? `The change has not taken: ${seen.failStreak} consecutive real checks still fail after ${describeDuration(graceMs)} of grace`
        : `Relapse confirmed: ${seen.failStreak} consecutive real checks fail after the change`;
    this.engine.note(stable ? `Stable after the change: ${seen.realStreak} consecutive real calls succeed` : failing);
    return stable ? 'stable' : 'relapsed';
  }

  async verify(options: VerifyOptions = {}): Promise<boolean> {
    return (await this.watchAfterChange(options)) === 'stable';
  }

  async monitorUntilRecovered(options: MonitorOptions = {}): Promise<void> {
    const observer = this.observer;
    const core = this.engine;
    core.setState('monitoring', `waiting for ${observer.required} consecutive successful real calls`);
    let escalated = false;
    const started = Date.now();
    while (!observer.recovered()) {
      const limit =
        options.escalateAfterMs && !escalated ? Math.max(0, started + options.escalateAfterMs - Date.now()) : undefined;
      const settledOrDone = () =>
        observer.recovered() || this.engine.budget.exhausted() || observer.state.budgetSpent === true;
      // Without a deadline `condition` resolves to undefined, not true: that is "settled", never a timeout.
      // Only a success ends this wait: real calls that keep failing back off, as the polls do.
      const settled = await observer.attend<boolean | void>(
        () => (limit === undefined ? condition(settledOrDone) : condition(settledOrDone, limit)),
        'recovery',
      );
      if (observer.recovered()) break;
      if (settled === false && options.handOver) {
        throw ApplicationFailure.nonRetryable(
          options.escalation ??
            `still unhealthy after ${Math.round(options.escalateAfterMs! / 60_000)} min of monitoring`,
          ErrorTypes.VerificationFailed,
        );
      }
      if (settled === false) {
        escalated = true;
        await core.escalate(
          options.escalation ??
            `still unhealthy after ${Math.round(options.escalateAfterMs! / 60_000)} min of monitoring`,
        );
        continue;
      }
      // No real calls left to judge by: a human confirms recovery (never a timeout's auto-approval).
      const confirmed = await this.ports.approval({
        stepId: 'confirm-recovery',
        description:
          'The billed probe budget is spent, so real calls cannot show recovery: confirm the provider is healthy again (or raise billedProbeBudget)',
        neverAutoApprove: true,
      });
      if (confirmed) break;
      core.note('Recovery not confirmed; the status hint alone is never enough. Waiting for a human.');
      await condition(() => this.engine.interrupted());
    }
    core.note(
      observer.recovered()
        ? `Provider healthy: ${observer.state.realStreak} consecutive real calls succeed`
        : 'Recovery confirmed by a human (billed budget spent)',
    );
  }
}
