import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runDrillCli } from '../support/drill.ts';
import { expectInvariants, scenario, states } from './support/fix-invariants.ts';

describe(
  'runbook drill: a key fix that does not take at once (real processes, simulator, record-only target)',
  { timeout: 180_000 },
  () => {
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
      expect(json!.mutations.find((m) => m.step === 'apply-new-key')).toMatchObject({
        revertedAt: null,
        purpose: 'fix',
        disposition: { outcome: 'kept' },
      });
      expectInvariants(json!);
    });

    it('a new key that does not work: handed to a human (ESCALATED, key in place), then resumes by itself once real calls succeed', async () => {
      const { code, json, stderr } = await runDrillCli(['--scenario-file', scenario('new-key-never-works')]);
      expect(code, stderr.slice(-2_000)).toBe(0);
      expect(json).toMatchObject({ cause: 'auth_failure', state: 'resolved' });
      expect(states(json!)).toContain('needs_human');
      expect(json!.statuses.map((s) => s.status)).toContain('ESCALATED');
      expect(
        json!.timeline.some(
          (e) =>
            e.kind === 'escalation' && e.message.startsWith('the fix did not take and a human owns the incident now'),
        ),
      ).toBe(true);
      expectInvariants(json!);
    });

    it.each([
      ['credits-transient', 'credits_exhausted', 'Raise the auto top-up amount'],
      ['auth-transient', 'auth_failure', 'Alert on 401 rates and key expiry'],
    ])(
      '%s: a certain fault gone before any change is closed as %s, with its action items, never "every probe passed"',
      async (name, cause, actionItem) => {
        const { code, json, stderr } = await runDrillCli(['--scenario-file', scenario(name)]);
        expect(code, stderr.slice(-2_000)).toBe(0);
        expect(json).toMatchObject({ cause, state: 'closed', mutations: [] });
        const postmortem = await readFile(json!.postmortemPath, 'utf8');
        expect(postmortem).toContain('cleared before any change was made');
        expect(postmortem).toContain(actionItem);
        expect(postmortem).not.toContain('every probe passed');
        expectInvariants(json!);
      },
    );
  },
);
