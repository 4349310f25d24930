import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runDrillCli, type DrillJson } from '../support/drill.ts';

const scenario = (name: string) => fileURLToPath(new URL(`./scenarios/${name}.json`, import.meta.url));

/** What stakeholders may read in each state: never RESOLVED for what is not resolved. */
const ALLOWED: Record<string, string[]> = {
  resolved: ['RESOLVED'],
  closed: ['CLOSED'],
  cancelled: ['CANCELLED'],
  failed: ['FAILED'],
  needs_human: ['ESCALATED'],
};
const OPEN = ['INVESTIGATING', 'MITIGATED'];

/** Every status sent matches the incident's state when it was written; the last one matches how it ended. */
function expectTruthfulStatuses(json: DrillJson): void {
  expect(json.statuses.length).toBeGreaterThan(0);
  for (const sent of json.statuses) expect(ALLOWED[sent.state!] ?? OPEN, `${sent.status} sent while ${sent.state} at ${sent.at}`).toContain(sent.status);
  expect(json.statuses.at(-1)!.status).toBe(ALLOWED[json.state]![0]);
  // Nothing before the end says the incident is over.
  expect(json.statuses.slice(0, -1).filter((s) => ['RESOLVED', 'CLOSED', 'CANCELLED', 'FAILED'].includes(s.status))).toEqual([]);
}

/** Fallback, once enabled, was on at every failing real check until real calls recovered. */
function expectFallbackWhileFailing(json: DrillJson): void {
  const on = json.timeline.findIndex((e) => e.kind === 'mutation' && e.message.startsWith('IDEOGRAM_FALLBACK=true'));
  if (on < 0) return;
  const off = json.timeline.findIndex((e, i) => i > on && e.kind === 'reverted' && e.message.startsWith('IDEOGRAM_FALLBACK=true'));
  const failingAfterOff = json.timeline.slice(off < 0 ? json.timeline.length : off).filter((e) => /^real check \d+: (still failing|now looks like)/.test(e.message));
  expect(failingAfterOff.map((e) => e.message)).toEqual([]);
}

/** No drill human rolls a key back: the engine never does it by itself. */
function expectNoKeyRollback(json: DrillJson): void {
  expect(json.timeline.filter((e) => e.kind === 'reverted' && e.message.startsWith('secret/')).map((e) => e.message)).toEqual([]);
  for (const m of json.mutations.filter((m) => m.step.startsWith('apply-new-key'))) expect(m.revertedAt).toBeNull();
}

/** Nothing the drill changed is left in place without a recorded reason. */
function expectEveryChangeAccounted(json: DrillJson): void {
  for (const m of json.mutations) expect(['reverted', 'kept', 'restart'], `${m.step}: ${JSON.stringify(m.disposition)}`).toContain(m.disposition.outcome);
}

function expectInvariants(json: DrillJson): void {
  expectTruthfulStatuses(json);
  expectFallbackWhileFailing(json);
  expectNoKeyRollback(json);
  expectEveryChangeAccounted(json);
}

const states = (json: DrillJson) => json.timeline.filter((e) => e.kind === 'state').map((e) => e.message.split(':')[0]);

describe('runbook drill: when the fix does not take (real processes, simulator, record-only target)', { timeout: 180_000 }, () => {
  it('an outage that turns into a 401: re-triaged, key rotated and given time to be accepted, fallback on while calls fail, resolved', async () => {
    const { code, json, stderr } = await runDrillCli(['--scenario-file', scenario('outage-turns-401')]);
    expect(code, stderr.slice(-2_000)).toBe(0);
    expect(json!.causes.map((c) => c.cause)).toEqual(['provider_outage', 'auth_failure']);
    expect(json).toMatchObject({ cause: 'auth_failure', state: 'resolved' });
    expectInvariants(json!);
    expect(json!.statuses.at(-1)).toMatchObject({ status: 'RESOLVED' });
  });

  it('a revoked key whose replacement needs a while: verified within its grace, never rolled back, resolved', async () => {
    const { code, json, stderr } = await runDrillCli(['--scenario-file', scenario('revoked-key-slow-replacement')]);
    expect(code, stderr.slice(-2_000)).toBe(0);
    expect(json).toMatchObject({ cause: 'auth_failure', state: 'resolved' });
    expect(states(json!)).not.toContain('needs_human');
    expect(json!.mutations.find((m) => m.step === 'apply-new-key')).toMatchObject({ revertedAt: null, purpose: 'fix', disposition: { outcome: 'kept' } });
    expectInvariants(json!);
  });

  it('a new key that does not work: handed to a human (ESCALATED, key in place), then resumes by itself once real calls succeed', async () => {
    const { code, json, stderr } = await runDrillCli(['--scenario-file', scenario('new-key-never-works')]);
    expect(code, stderr.slice(-2_000)).toBe(0);
    expect(json).toMatchObject({ cause: 'auth_failure', state: 'resolved' });
    expect(states(json!)).toContain('needs_human');
    expect(json!.statuses.map((s) => s.status)).toContain('ESCALATED');
    expect(json!.timeline.some((e) => e.kind === 'escalation' && e.message.startsWith('the fix did not take and a human owns the incident now'))).toBe(true);
    expectInvariants(json!);
  });

  it('rate limiting the concurrency cut does not cure: handed to a human with the cut kept, restored after the limit lifts', async () => {
    const { code, json, stderr } = await runDrillCli(['--scenario-file', scenario('rate-limit-not-cured')]);
    expect(code, stderr.slice(-2_000)).toBe(0);
    expect(json).toMatchObject({ cause: 'rate_limited', state: 'resolved' });
    const owned = json!.timeline.findIndex((e) => e.kind === 'state' && e.message.startsWith('needs_human'));
    const restored = json!.timeline.findIndex((e) => e.kind === 'reverted' && e.message.startsWith('IDEOGRAM_CONCURRENCY=3'));
    expect(owned).toBeGreaterThan(0);
    expect(restored).toBeGreaterThan(owned);
    expectInvariants(json!);
  });

  it('credits that take a while to top up: batch jobs stay paused until real calls succeed, then resumed', async () => {
    const { code, json, stderr } = await runDrillCli(['--scenario-file', scenario('credits-slow-top-up')]);
    expect(code, stderr.slice(-2_000)).toBe(0);
    expect(json).toMatchObject({ cause: 'credits_exhausted', state: 'resolved' });
    expect(json!.mutations.find((m) => m.step === 'pause-batch-jobs')).toMatchObject({ purpose: 'protective', disposition: { outcome: 'reverted' } });
    expectInvariants(json!);
  });

  it.each([
    ['credits-transient', 'credits_exhausted', 'Raise the auto top-up amount'],
    ['auth-transient', 'auth_failure', 'Alert on 401 rates and key expiry'],
  ])('%s: a certain fault gone before any change is closed as %s, with its action items, never "every probe passed"', async (name, cause, actionItem) => {
    const { code, json, stderr } = await runDrillCli(['--scenario-file', scenario(name)]);
    expect(code, stderr.slice(-2_000)).toBe(0);
    expect(json).toMatchObject({ cause, state: 'closed', mutations: [] });
    const postmortem = await readFile(json!.postmortemPath, 'utf8');
    expect(postmortem).toContain('cleared before any change was made');
    expect(postmortem).toContain(actionItem);
    expect(postmortem).not.toContain('every probe passed');
    expectInvariants(json!);
  });
});
