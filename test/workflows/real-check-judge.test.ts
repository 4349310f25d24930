import { describe, expect, it } from 'vitest';
import type { Decision, ProbeResult } from '../../src/contract/index.ts';
import { judgeRealCheck, type RealCheckFacts } from '../../src/workflows/engine/real-check-judge.ts';
import type { ObserverState } from '../../src/workflows/engine/slices.ts';

const decision = (cause: string, severity: Decision['severity']): Decision => ({
  cause,
  severity,
  rationale: `${cause} seen`,
  evidence: [],
});
const outage = decision('outage', 'P1');
const round: ProbeResult[] = [
  { probe: 'work', ok: false, billed: true, latencyMs: 120, httpStatus: 503, errorKind: null, detail: 'HTTP 503' },
];
const seen: ObserverState = {
  polls: 7,
  intervalMs: 60_000,
  lastHint: 'major',
  lastRealAt: null,
  realStreak: 0,
  failStreak: 2,
  lastClass: 'outage',
  candidate: null,
  budgetEscalated: false,
  blocker: null,
};
const facts = (verdict: Decision, more: Partial<RealCheckFacts> = {}): RealCheckFacts => ({
  round,
  verdict,
  current: outage,
  healthyCause: 'healthy',
  timings: { pollInitialMs: 30_000, healthyChecksRequired: 3, confirmRounds: 2 },
  awaitsVerdict: false,
  backoffMs: 90_000,
  ...more,
});

describe('judging one real check (pure: the observer applies what it returns)', () => {
  it('counts a healthy check towards recovery at the initial interval, and leaves the state it was given alone', () => {
    const before = structuredClone(seen);
    const judged = judgeRealCheck(seen, facts(decision('healthy', 'P4')));
    expect(judged.next).toMatchObject({ realStreak: 1, failStreak: 0, intervalMs: 30_000, lastClass: 'healthy' });
    expect(judged.lines).toEqual([
      expect.objectContaining({ kind: 'probe', message: expect.stringMatching(/^real check 7: healthy 1\/3/) }),
    ]);
    expect(judged.retriage).toBeNull();
    expect(seen).toEqual(before);
  });

  it('backs off while the same failure goes on unattended, says nothing new, and keeps the initial interval when a verdict is awaited', () => {
    expect(judgeRealCheck(seen, facts(outage))).toMatchObject({
      next: { failStreak: 3, intervalMs: 90_000 },
      lines: [],
    });
    expect(judgeRealCheck(seen, facts(outage, { awaitsVerdict: true })).next.intervalMs).toBe(30_000);
  });

  it('notes a milder cause as a partial recovery, never a re-triage', () => {
    const judged = judgeRealCheck(seen, facts(decision('throttled', 'P3')));
    expect(judged.lines.map((l) => l.kind)).toEqual(['probe', 'note']);
    expect(judged.lines[1]!.message).toContain('Partial recovery');
    expect(judged.next.candidate).toBeNull();
    expect(judged.retriage).toBeNull();
  });

  it('asks for a re-triage once confirmRounds checks in a row show another cause as severe, and not before', () => {
    const auth = decision('auth', 'P1');
    const first = judgeRealCheck(seen, facts(auth));
    expect(first.next.candidate).toEqual({ cause: 'auth', count: 1 });
    expect(first.retriage).toBeNull();
    const second = judgeRealCheck(first.next, facts(auth));
    expect(second.retriage).toEqual({
      verdict: auth,
      why: expect.stringMatching(/^2 consecutive real checks show auth instead of outage/),
    });
    expect(second.next.candidate).toBeNull();
  });
});
