import { condition } from '@temporalio/workflow';
import type { ProbeResult, ProbeSpecInput } from '../../contract/index.ts';
import type { ApprovalStep, MonitorOptions, RecoveryVerdict } from './context.ts';
import { gather } from './evidence.ts';
import { monitorUntilRecovered, runProbe, runTriage, verifyRecovered } from './monitoring.ts';
import type { Observer } from './observer.ts';
import type { ProbeEngine, RunControl } from './ports.ts';

/** What the probe runner works through: the incident's probes, its observer, and a human gate. */
export interface ProbeRunnerPorts {
  engine: ProbeEngine & RunControl;
  observer: Pick<Observer, 'required' | 'recovered' | 'attend' | 'restartJudgement' | 'state'>;
  approval(step: ApprovalStep): Promise<boolean>;
}

/**
 * The probes and recovery verdicts remediation plans ask for. Judgement v2 judges by the
 * observer's real calls; incidents started before it replay the v1 monitor (monitoring.ts).
 */
export class ProbeRunner {
  private readonly engine: ProbeEngine & RunControl;
  private readonly observer: ProbeRunnerPorts['observer'];
  private readonly ports: ProbeRunnerPorts;
  private readonly v2: boolean;

  constructor(ports: ProbeRunnerPorts) {
    this.ports = ports;
    this.engine = ports.engine;
    this.observer = ports.observer;
    this.v2 = ports.engine.s.engine === 2;
  }

  probe(spec: ProbeSpecInput, extracted?: Record<string, string | undefined>): Promise<ProbeResult> {
    return this.v2 ? gather(this.engine, spec, { priority: true, extracted }) : runProbe(this.engine, spec, extracted);
  }

  /** The v1 Quick Triage (v2 triages in judgement.ts). */
  triage(): Promise<ProbeResult[]> {
    return runTriage(this.engine);
  }

  providerRecovered(): boolean {
    return this.v2 && this.observer.recovered();
  }

  /** After a change: N consecutive real successes make it stable; `confirmRounds` consecutive failures a relapse. */
  async watchAfterChange(): Promise<RecoveryVerdict> {
    if (!this.v2) return (await verifyRecovered(this.engine)) ? 'stable' : 'relapsed';
    this.observer.restartJudgement();
    const o = this.observer.state;
    const relapse = this.engine.input.timings.confirmRounds;
    await this.observer.attend(() => condition(() => this.observer.recovered() || o.failStreak >= relapse));
    const stable = this.observer.recovered();
    this.engine.note(stable ? `Stable after the change: ${o.realStreak} consecutive real calls succeed` : `Relapse confirmed: ${o.failStreak} consecutive real checks fail after the change`);
    return stable ? 'stable' : 'relapsed';
  }

  async verify(): Promise<boolean> {
    return (await this.watchAfterChange()) === 'stable';
  }

  async monitorUntilRecovered(options: MonitorOptions = {}): Promise<void> {
    if (!this.v2) return monitorUntilRecovered(this.engine, options);
    const observer = this.observer;
    const core = this.engine;
    core.setState('monitoring', `waiting for ${observer.required} consecutive successful real calls`);
    let escalated = false;
    const started = Date.now();
    while (!observer.recovered()) {
      const limit = options.escalateAfterMs && !escalated ? Math.max(0, started + options.escalateAfterMs - Date.now()) : undefined;
      const done = () => observer.recovered() || this.engine.budget.exhausted();
      // Without a limit, `condition` resolves to nothing: that is settled too, not a timeout.
      const settled = await observer.attend(() => (limit === undefined ? condition(done).then(() => true) : condition(done, limit)));
      if (observer.recovered()) break;
      if (!settled) {
        escalated = true;
        await core.escalate(options.escalation ?? `still unhealthy after ${Math.round(options.escalateAfterMs! / 60_000)} min of monitoring`);
        continue;
      }
      // No real calls left to judge by: a human confirms recovery (never a timeout's auto-approval).
      const confirmed = await this.ports.approval({
        stepId: 'confirm-recovery',
        description: 'The billed probe budget is spent, so real calls cannot show recovery: confirm the provider is healthy again (or raise billedProbeBudget)',
        neverAutoApprove: true,
      });
      if (confirmed) break;
      core.note('Recovery not confirmed; the status hint alone is never enough. Waiting for a human.');
      await condition(() => this.engine.interrupted());
    }
    core.note(observer.recovered() ? `Provider healthy: ${observer.state.realStreak} consecutive real calls succeed` : 'Recovery confirmed by a human (billed budget spent)');
  }
}
