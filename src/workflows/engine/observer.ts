import { condition, workflowInfo } from '@temporalio/workflow';
import { hintValueOf, type ProbeResult } from '../../contract/index.ts';
import { blockerOf, gather, gatherAll, realRound } from './evidence.ts';
import { HintWatcher, type PollTurn } from './hint-watcher.ts';
import type { AttentionFor, ProbeEngine, RunControl } from './ports.ts';
import { judgeRealCheck } from './real-check-judge.ts';
import type { ObserverSlice, ObserverState } from './slices.ts';

/** What the observer watches through. */
export type ObservedIncident = ProbeEngine & RunControl;

/**
 * Watches the provider from the decision until the incident closes. Every poll reads the free
 * hint; a real call is made when the hint changes, when a verdict is awaited or being confirmed,
 * and at least every `realCheckEveryMs` regardless of the hint. Only real calls move the streaks.
 */
export class Observer {
  private readonly incident: ObservedIncident;
  /** What the observer has seen, carried across continue-as-new. */
  private readonly watch: ObserverSlice;
  /** Parts waiting on a verdict (any real call's answer), or on a recovery (a success) only. */
  private readonly attention: Record<AttentionFor, number> = { verdict: 0, recovery: 0 };
  private wakeups = 0;
  /** An outside report (a resolved alert) asked for a real call at the next poll. */
  private realCheckRequested = false;
  /** The incident is closing: no more polls. */
  private stopped = false;
  /** A poll's calls are out: closing waits for them. */
  private polling = false;
  private readonly hintWatcher: HintWatcher;

  constructor(incident: ObservedIncident, watch: ObserverSlice) {
    this.incident = incident;
    this.watch = watch;
    this.hintWatcher = new HintWatcher(incident);
  }

  /** What the observer has seen so far, for parts that wait on a verdict. */
  get state(): Readonly<ObserverState> {
    return this.watched;
  }

  private get watched(): ObserverState {
    const t = this.incident.input.timings;
    return (this.watch.observer ??= {
      polls: 0,
      intervalMs: t.pollInitialMs,
      lastHint: null,
      lastRealAt: null,
      realStreak: 0,
      failStreak: 0,
      lastClass: null,
      candidate: null,
      budgetEscalated: false,
      blocker: null,
    });
  }

  get required(): number {
    return this.incident.input.timings.healthyChecksRequired;
  }

  recovered(): boolean {
    return this.watched.realStreak >= this.required;
  }

  async run(): Promise<void> {
    const t = this.incident.input.timings;
    const over = () => this.incident.finished || this.stopped;
    while (!over()) {
      const seen = this.wakeups;
      const turn = await this.untilPoll(() => over() || this.wakeups !== seen);
      if (over()) return;
      if (turn === 'woken') continue;
      if (this.incident.pollsThisRun >= t.pollsPerRun || workflowInfo().continueAsNewSuggested) {
        this.incident.requestContinueAsNew();
        return;
      }
      this.polling = true;
      try {
        await this.poll(turn);
      } finally {
        this.polling = false;
      }
    }
  }

  /**
   * Waits for the next poll: see `HintWatcher.untilPoll`. Waiting for a recovery only, the interval
   * paces the real checks, which back off while they fail, and the free hint is read at the initial
   * pace in between: a hint that turns healthy brings a real check within a poll.
   */
  private untilPoll(awake: () => boolean): Promise<PollTurn> {
    const seen = this.watched;
    const steady = this.awaitsRecoveryOnly();
    return this.hintWatcher.untilPoll(awake, {
      lastHint: seen.lastHint,
      intervalMs: steady ? Math.min(seen.intervalMs, this.incident.input.timings.pollInitialMs) : seen.intervalMs,
      dueAtMs: this.realCheckDueAt(),
      steady,
    });
  }

  /**
   * When the next poll with real calls may come whatever the hint says: the hourly billed rate allows
   * the round, and the interval since the last real check is up unless every poll wants one (asked
   * for, awaited, being confirmed). Null when that poll is the next one.
   */
  private realCheckDueAt(): number | null {
    const seen = this.watched;
    const now = Date.now();
    const every = this.incident.input.timings.realCheckEveryMs;
    // A budget spent for good still ends the watch now and then, so the poll that finds it spent comes.
    const affordable = this.incident.budget.affordableAt(this.incident.runbook.evidence.real.length) ?? now + every;
    if (this.everyPollIsReal() || seen.lastRealAt === null) return affordable > now ? affordable : null;
    return Math.max(Date.parse(seen.lastRealAt) + this.realCheckPace(), affordable);
  }

  /**
   * The incident is closing: no call goes out after it says how it ended, and a poll already out
   * is judged before the closing state is set, so the timeline never shows a check after its end.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeups += 1;
    await condition(() => !this.polling);
  }

  /**
   * Runs `fn` with real calls on every poll, from the initial interval: someone waits on a verdict.
   * Waiting for a recovery only, a failing real call is no verdict: the polls back off while they
   * fail (to `pollMaxMs`) and return to the initial interval with the first success.
   */
  async attend<T>(fn: () => Promise<T>, waitsFor: AttentionFor = 'verdict'): Promise<T> {
    this.attention[waitsFor] += 1;
    this.watched.intervalMs = this.incident.input.timings.pollInitialMs;
    this.wakeups += 1;
    try {
      return await fn();
    } finally {
      this.attention[waitsFor] -= 1;
    }
  }

  /** A real call at the next poll (soon: the interval drops to the initial one); the probes judge, the report does not. */
  requestRealCheck(why: string): void {
    this.realCheckRequested = true;
    this.watched.intervalMs = this.incident.input.timings.pollInitialMs;
    this.wakeups += 1;
    this.incident.note(`Re-check requested: ${why}; the next poll makes real calls`);
  }

  /** Forget the streaks: what counts from now on is how the provider behaves after a change. */
  restartJudgement(): void {
    const seen = this.watched;
    seen.realStreak = 0;
    seen.failStreak = 0;
    seen.candidate = null;
  }

  private backoff(): number {
    const t = this.incident.input.timings;
    return Math.min(Math.round(this.watched.intervalMs * t.pollBackoff), t.pollMaxMs);
  }

  /** Every poll makes real calls: asked for, a verdict awaited, a recovery building, another cause being confirmed. */
  private everyPollIsReal(): boolean {
    return this.realCheckRequested || this.attention.verdict > 0 || this.building() || this.watched.candidate !== null;
  }

  /** A part waits for a recovery and nothing asks for more: a failing real check is no news, so they back off. */
  private awaitsRecoveryOnly(): boolean {
    return this.attention.recovery > 0 && !this.everyPollIsReal();
  }

  /** How long after the last real check the next is due: the backed-off interval while only a recovery is awaited. */
  private realCheckPace(): number {
    return this.awaitsRecoveryOnly() ? this.watched.intervalMs : this.incident.input.timings.realCheckEveryMs;
  }

  /** Healthy real checks are adding up to a recovery: each poll makes one. */
  private building(): boolean {
    const seen = this.watched;
    return seen.realStreak > 0 && seen.realStreak < this.required;
  }

  /** A real call is due whatever the hint will say: asked for, awaited, being confirmed, or the interval is up. */
  private dueWithoutHint(): boolean {
    const seen = this.watched;
    const sinceReal = seen.lastRealAt === null ? Infinity : Date.now() - Date.parse(seen.lastRealAt);
    return this.everyPollIsReal() || sinceReal >= this.realCheckPace();
  }

  private async poll(turn: Exclude<PollTurn, 'woken'>): Promise<void> {
    const seen = this.watched;
    const evidence = this.incident.runbook.evidence;
    this.incident.pollsThisRun += 1;
    if (turn !== 'timer') {
      seen.polls += turn.reads;
      // A steady watch read at its own pace: the interval stays the real checks'.
      if (!this.awaitsRecoveryOnly()) seen.intervalMs = turn.intervalMs;
      if (turn.outcome === 'changed') return this.afterHint(turn.hint!, false, turn.at);
    }
    seen.polls += 1;
    // A real check due anyway goes out with the hint, as one activity (one task and three events fewer).
    const dueAnyway = this.dueWithoutHint();
    const together = dueAnyway && this.incident.budget.canSpend(evidence.real.length, false);
    // A request that arrives while these calls run asks for the next poll's.
    if (together) this.realCheckRequested = false;
    const [hint, ...round] = together
      ? await gatherAll(this.incident, [evidence.hint, ...evidence.real], { priority: false })
      : [await gather(this.incident, evidence.hint, { priority: false })];
    if (together) {
      this.recordHint(hint!);
      await this.judgeRealRound(round, hint!);
      return;
    }
    await this.afterHint(hint!, dueAnyway);
  }

  /** Puts a hint that differs from the last one on the timeline; true when it changed from an earlier reading. */
  private recordHint(hint: ProbeResult, at?: string): boolean {
    const seen = this.watched;
    const value = hintValueOf(hint);
    const hintChanged = value !== null && seen.lastHint !== null && value !== seen.lastHint;
    if (value !== null && value !== seen.lastHint) {
      this.incident.add(
        'probe',
        `hint ${hint.probe}: ${seen.lastHint ?? 'first read'} → ${value}${hintChanged ? ' (a hint only: checking with real calls)' : ''}`,
        { probe: hint.probe, hint: value },
        at,
      );
      seen.lastHint = value;
    }
    return hintChanged;
  }

  /** After a hint read without real calls: real calls when it changed or they are due, within the budget. */
  private async afterHint(hint: ProbeResult, dueAnyway: boolean, at?: string): Promise<void> {
    const seen = this.watched;
    const evidence = this.incident.runbook.evidence;
    const hintChanged = this.recordHint(hint, at);
    if (!dueAnyway && !hintChanged) {
      if (!this.awaitsRecoveryOnly()) seen.intervalMs = this.backoff();
      return;
    }
    if (!this.incident.budget.canSpend(evidence.real.length, false)) {
      seen.intervalMs = this.backoff();
      // A remainder too small for one real round is as spent as none (an odd remainder of a budget
      // paid two calls at a time): otherwise the incident would wait with nobody asked.
      const spent =
        seen.budgetSpent === true ||
        this.incident.budget.exhausted() ||
        !this.incident.budget.canSpend(evidence.real.length, true);
      if (spent && !seen.budgetEscalated) {
        seen.budgetEscalated = true;
        await this.incident.escalate(
          'the billed probe budget of this incident is spent: recovery can no longer be judged by real calls — a human must confirm it',
        );
      }
      if (spent) seen.budgetSpent = true;
      return;
    }
    this.realCheckRequested = false;
    await this.judgeRealRound(await realRound(this.incident, false), hint);
  }

  private async judgeRealRound(round: ProbeResult[], hint: ProbeResult): Promise<void> {
    this.watched.lastRealAt = new Date(Date.now()).toISOString();
    await this.judge(round, hint);
  }

  private async judge(round: ProbeResult[], hint: ProbeResult): Promise<void> {
    const blocker = blockerOf(this.incident, round);
    if (blocker) {
      if (this.watched.blocker !== blocker) {
        this.watched.blocker = blocker;
        await this.incident.escalate(
          `real calls cannot run (${blocker}): recovery cannot be judged until this is fixed`,
        );
      }
      return;
    }
    const { runbook, input } = this.incident;
    const judged = judgeRealCheck(this.watched, {
      round,
      verdict: runbook.classify([...round, hint], [], { thresholds: input.decisionThresholds }),
      current: this.incident.decision,
      healthyCause: runbook.evidence.healthyCause,
      timings: input.timings,
      awaitsVerdict: this.attention.verdict > 0,
      backoffMs: this.backoff(),
    });
    // In place: the parts that wait on a verdict hold this state.
    Object.assign(this.watched, judged.next);
    for (const line of judged.lines)
      if (line.kind === 'probe') this.incident.add('probe', line.message, line.data);
      else this.incident.note(line.message);
    if (judged.retriage) this.incident.requestRetriage(judged.retriage.verdict, judged.retriage.why);
  }
}

export type { RecoveryVerdict } from './context.ts';
