import type { ScenarioPhase } from './scenarios.ts';

/** Where a scenario is: phases advance by time or by request count; the last phase lasts forever. */
export class PhaseTracker {
  private phases: ScenarioPhase[] = [];
  private index = 0;
  private startedAt: number;
  private requests = 0;
  private readonly now: () => number;
  /** A built-in scenario by name, or phases to check against the runbook's simulator profile. */
  private readonly phasesOf: (scenario: string | ScenarioPhase[]) => ScenarioPhase[];

  constructor(now: () => number, phasesOf: (scenario: string | ScenarioPhase[]) => ScenarioPhase[]) {
    this.now = now;
    this.phasesOf = phasesOf;
    this.startedAt = now();
  }

  set(scenario: string | ScenarioPhase[]): void {
    this.phases = this.phasesOf(scenario);
    this.index = 0;
    this.startedAt = this.now();
    this.requests = 0;
  }

  current(): ScenarioPhase {
    for (;;) {
      const phase = this.phases[this.index]!;
      if (this.index === this.phases.length - 1) return phase;
      const expiredByTime = phase.durationMs !== undefined && this.now() - this.startedAt >= phase.durationMs;
      const expiredByCount = phase.requests !== undefined && this.requests >= phase.requests;
      if (!expiredByTime && !expiredByCount) return phase;
      this.index += 1;
      this.startedAt = this.now();
      this.requests = 0;
    }
  }

  name(): string {
    return this.current().name ?? `phase-${this.index}`;
  }

  countRequest(): void {
    this.requests += 1;
  }
}
