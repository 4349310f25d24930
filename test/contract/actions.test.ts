import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  actionRule,
  ENDED_INCIDENT_STATES,
  HUMAN_ACTIONS,
  INCIDENT_STATES,
  OPEN_INCIDENT_STATES,
  IncidentStateSchema,
  renderActionTable,
  revertWarning,
  type ActionContext,
  type MutationRecord,
} from '../../src/contract/index.ts';

const STATES = IncidentStateSchema.options;
const CLOSED = ['resolved', 'closed', 'cancelled', 'failed'];
const contexts: Record<string, ActionContext> = {
  idle: { pendingSteps: [], pendingSecretSteps: [], changesInPlace: [] },
  waiting: {
    pendingSteps: ['enable-fallback'],
    pendingSecretSteps: ['new-key-reference'],
    changesInPlace: ['enable-fallback'],
  },
  'naming an unknown step': {
    pendingSteps: ['enable-fallback'],
    pendingSecretSteps: [],
    changesInPlace: ['enable-fallback'],
    step: 'no-such-step',
  },
};

describe('the action table: every state × every action', () => {
  const cases = STATES.flatMap((state) =>
    HUMAN_ACTIONS.flatMap((action) => Object.keys(contexts).map((context) => [state, action, context] as const)),
  );

  it.each(cases)('%s × %s (%s): allowed with what it does, or refused with why', (state, action, context) => {
    const rule = actionRule(state, action, contexts[context]!);
    if (rule.allowed) expect(rule.does.length).toBeGreaterThan(10);
    else expect(rule.why.length).toBeGreaterThan(10);
    // A closed incident takes nothing; an open one always takes the bookkeeping actions, resolve and cancel.
    if (CLOSED.includes(state)) expect(rule.allowed).toBe(false);
    else if (['acknowledge', 'note', 'root_cause', 'resolve', 'cancel'].includes(action))
      expect(rule.allowed).toBe(true);
    // Verify again and revert a chosen change belong to the human-owned state alone.
    if ((action === 'verify_again' || action === 'revert_change') && state !== 'needs_human')
      expect(rule.allowed).toBe(false);
    // A decision or a change must name something that is waiting or in place.
    if (context === 'naming an unknown step' && ['approve', 'reject', 'revert_change'].includes(action))
      expect(rule.allowed).toBe(false);
    if (context === 'idle' && ['approve', 'reject'].includes(action)) expect(rule.allowed).toBe(false);
  });

  it('offers verify again and reverting a named change in needs_human', () => {
    expect(actionRule('needs_human', 'verify_again', contexts.idle!)).toMatchObject({ allowed: true });
    expect(actionRule('needs_human', 'revert_change', { ...contexts.waiting!, step: 'enable-fallback' })).toMatchObject(
      { allowed: true },
    );
    expect(actionRule('needs_human', 'revert_change', contexts.idle!)).toMatchObject({
      allowed: false,
      why: 'no change is in place',
    });
  });

  it('warns what resolving or cancelling reverts, and what that does to users', () => {
    const fallback = {
      step: 'enable-fallback',
      change: 'IDEOGRAM_FALLBACK=true',
      target: 'deployment/x -n d',
      op: { kind: 'set-env' },
      purpose: 'protective',
    } as unknown as MutationRecord;
    const key = {
      step: 'apply-new-key',
      change: 'secret/s key k',
      target: 'secret/s -n d',
      op: { kind: 'apply-secret' },
      keptBecause: 'the rotated key is the fix',
      purpose: 'fix',
    } as unknown as MutationRecord;
    expect(revertWarning([fallback, key])).toBe(
      'Reverts IDEOGRAM_FALLBACK=true on deployment/x -n d. IDEOGRAM_FALLBACK=true shields users: if the provider still fails, they get errors once it is reverted.',
    );
    expect(revertWarning([key])).toContain('Nothing is reverted');
  });

  it('is rendered in docs/judgement.md from the code, so the two cannot drift apart', async () => {
    const page = await readFile(new URL('../../docs/judgement.md', import.meta.url), 'utf8');
    expect(page).toContain(renderActionTable(STATES));
  });
});

describe('the list of incident states', () => {
  it('names every state once, and the open ones are those not ended', () => {
    expect(new Set(INCIDENT_STATES).size).toBe(INCIDENT_STATES.length);
    expect(OPEN_INCIDENT_STATES).toContain('needs_human');
    expect(OPEN_INCIDENT_STATES.filter((s) => ENDED_INCIDENT_STATES.includes(s))).toEqual([]);
  });
});
