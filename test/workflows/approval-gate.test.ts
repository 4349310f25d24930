import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { decideUpdate, provideSecretRefSignal, rejectSignal } from '../../src/contract/index.ts';
import { uniqueTaskQueue } from '../support/temporal.ts';
import {
  gateViewQuery,
  recoveredSignal,
  type gateWorkflow,
  type GateOutcome,
  type GateScenario,
  type GateView,
} from './fixtures/gate-workflow.ts';
import { MIN, pinnedUnitInput, startTimeSkipping } from './support/time-skipping.ts';
import { skip } from './support/skip.ts';

let ctx: { env: TestWorkflowEnvironment; bundle: string };
beforeAll(async () => {
  ctx = await startTimeSkipping(fileURLToPath(new URL('./fixtures/gate-workflow.ts', import.meta.url)));
});
afterAll(() => ctx.env.teardown());

const STEP = { stepId: 'enable-fallback', description: 'Enable fallback' };
const SECRET = { stepId: 'new-key-reference', description: 'Send the reference of a new key' };

type Handle = WorkflowHandle<typeof gateWorkflow>;

/** Runs one gate scenario while `drive` talks to it; the worker stops afterwards. */
async function runGate(
  scenario: GateScenario,
  drive: (h: Handle) => Promise<void> = async () => undefined,
): Promise<GateOutcome> {
  const taskQueue = uniqueTaskQueue('gate');
  // The catalog allows every reference here: these scenarios are about the gate's own rules.
  const activities = { checkSecretRef: async () => ({ allowed: true }) };
  const worker = await Worker.create({
    connection: ctx.env.nativeConnection,
    taskQueue,
    activities,
    workflowBundle: { code: ctx.bundle },
  });
  const handle = await ctx.env.client.workflow.start<typeof gateWorkflow>('gateWorkflow', {
    taskQueue,
    workflowId: taskQueue,
    args: [scenario],
  });
  return worker.runUntil(async () => {
    await drive(handle);
    return handle.result();
  });
}

/** Query until the gate shows what `predicate` wants (the request opens on the workflow's first task). */
async function until(h: Handle, predicate: (v: GateView) => boolean, what: string): Promise<GateView> {
  for (let i = 0; i < 200; i += 1) {
    const view = await h.query(gateViewQuery);
    if (predicate(view)) return view;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`never reached: ${what}`);
}

const opened = (stepId: string) => (v: GateView) =>
  v.approvals.some((a) => a.stepId === stepId && a.outcome === 'pending');
const refusal = (p: Promise<unknown>) =>
  p.then(
    () => 'accepted',
    (err: { cause?: { message?: string } }) => err.cause?.message ?? String(err),
  );
const policy = (p: Record<string, unknown>) =>
  pinnedUnitInput({ reporter: 'Carol', policy: { timeoutMs: 10 * MIN, ...p } });

describe('approval gate alone (time-skipping, a catalog that allows every reference)', () => {
  it('N of M distinct approvers; self-approval refused whatever the case; the Nth approval opens the gate', async () => {
    const outcome = await runGate(
      { input: policy({ approvers: ['alice', 'bob', 'carol'], required: 2 }), step: STEP },
      async (h) => {
        await until(h, opened(STEP.stepId), 'request opened');
        const decide = (by: string) =>
          h.executeUpdate(decideUpdate, { args: [{ stepId: STEP.stepId, by, decision: 'approved' }] });
        expect(await refusal(decide('CAROL'))).toMatch(/CAROL reported this incident and may not approve/);
        expect(await decide('bob')).toEqual({
          accepted: true,
          message: 'approval 1 of 2 recorded for enable-fallback',
        });
        expect(await refusal(decide('BOB'))).toMatch(/already decided/);
        expect(await decide('alice')).toEqual({ accepted: true, message: 'approved enable-fallback' });
      },
    );
    expect(outcome.approved).toBe(true);
    expect(outcome.approvals[0]!.decisions.map((d) => d.by)).toEqual(['bob', 'alice']);
    expect(outcome.timeline.map((e) => e.kind)).toEqual(['approval_requested', 'state', 'note', 'approved']);
  });

  it.each([
    ['reject', false, { approved: false, outcome: 'timed_out' }],
    ['auto-approve', false, { approved: true, outcome: 'approved' }],
  ] as const)('timeout → %s settles the step without a human', async (onTimeout, neverAutoApprove, expected) => {
    const outcome = await runGate({ input: policy({ onTimeout }), step: { ...STEP, neverAutoApprove } });
    expect({ approved: outcome.approved, outcome: outcome.approvals[0]!.outcome }).toEqual(expected);
    expect(outcome.escalations).toEqual([]);
    expect(outcome.timeline.at(-1)!.data).toEqual({ stepId: STEP.stepId, by: 'policy:timeout' });
  });

  it.each([
    ['escalate', false],
    ['auto-approve', true],
  ] as const)(
    'timeout → %s (neverAutoApprove %s) escalates at every timeout until a human decides',
    async (onTimeout, neverAutoApprove) => {
      const outcome = await runGate(
        { input: policy({ onTimeout }), step: { ...STEP, neverAutoApprove } },
        async (h) => {
          await until(h, opened(STEP.stepId), 'request opened');
          await skip(ctx.env, h, 25 * MIN);
          await until(h, (v) => v.escalations.length === 2, 'two escalations');
          await h.signal(rejectSignal, { stepId: STEP.stepId, by: 'bob', comment: 'not now' });
        },
      );
      expect(outcome.escalations).toEqual([
        'approval of enable-fallback has waited 10 min',
        'approval of enable-fallback has waited 10 min',
      ]);
      expect(outcome.approved).toBe(false);
      expect(outcome.approvals[0]!.decisions.map((d) => [d.by, d.decision])).toEqual([['bob', 'rejected']]);
    },
  );

  it('a step that real calls may settle is approved by evidence when the provider recovers', async () => {
    const outcome = await runGate({ input: policy({}), step: { ...STEP, orRecovered: true } }, async (h) => {
      await until(h, opened(STEP.stepId), 'request opened');
      await h.signal(recoveredSignal);
    });
    expect(outcome.approved).toBe(true);
    expect(outcome.approvals[0]!.decisions.map((d) => d.by)).toEqual(['evidence']);
  });
});

describe('secret-reference requests go through the same gate', () => {
  const ref = (name: string) => ({ kind: 'env' as const, name });

  it('timeout → reject: the request closes without a reference and nobody is paged', async () => {
    const outcome = await runGate({ input: policy({ onTimeout: 'reject' }), step: SECRET, secret: true });
    expect(outcome.ref).toBeNull();
    expect(outcome.approvals[0]!.outcome).toBe('timed_out');
    expect(outcome.escalations).toEqual([]);
  });

  it('timeout → auto-approve never invents a reference: it escalates, and the approver who hands one over settles it', async () => {
    const outcome = await runGate(
      { input: policy({ onTimeout: 'auto-approve' }), step: SECRET, secret: true },
      async (h) => {
        await until(h, opened(SECRET.stepId), 'request opened');
        await skip(ctx.env, h, 15 * MIN);
        await until(h, (v) => v.escalations.length === 1, 'one escalation');
        await h.signal(provideSecretRefSignal, { by: 'bob', stepId: SECRET.stepId, ref: ref('NEW_KEY') });
      },
    );
    expect(outcome.escalations).toEqual(['approval of new-key-reference has waited 10 min']);
    expect(outcome.ref).toEqual(ref('NEW_KEY'));
    expect(outcome.approvals[0]!.decisions.map((d) => [d.by, d.comment])).toEqual([['bob', 'env:NEW_KEY']]);
  });

  it('only a named approver may hand over a reference; a refused one is on the timeline and changes nothing', async () => {
    const outcome = await runGate(
      { input: policy({ approvers: ['alice', 'bob'] }), step: SECRET, secret: true },
      async (h) => {
        await until(h, opened(SECRET.stepId), 'request opened');
        await h.signal(provideSecretRefSignal, { by: 'mallory', stepId: SECRET.stepId, ref: ref('EVIL_KEY') });
        await until(
          h,
          (v) => v.timeline.some((e) => e.message.startsWith('Refused the reference from mallory')),
          'mallory refused',
        );
        expect((await h.query(gateViewQuery)).approvals[0]!.outcome).toBe('pending');
        await h.signal(provideSecretRefSignal, { by: 'Bob', stepId: SECRET.stepId, ref: ref('NEW_KEY') });
      },
    );
    expect(outcome.ref).toEqual(ref('NEW_KEY'));
    expect(outcome.timeline.find((e) => e.message.startsWith('Refused'))!.message).toBe(
      'Refused the reference from mallory (env:EVIL_KEY): mallory is not an approver (allowed: alice, bob)',
    );
    expect(outcome.approvals[0]!.decisions.map((d) => d.by)).toEqual(['Bob']);
  });

  it('a 100,000-character reference (a client that skipped the contract) is refused by the workflow, named by its start only', async () => {
    const long = { kind: 'file' as const, path: `/run/${'k'.repeat(100_000)}` };
    const outcome = await runGate({ input: policy({}), step: SECRET, secret: true }, async (h) => {
      await until(h, opened(SECRET.stepId), 'request opened');
      await h.signal(provideSecretRefSignal, { by: 'bob', stepId: SECRET.stepId, ref: long });
      await until(
        h,
        (v) => v.timeline.some((e) => e.message.startsWith('Refused the reference from bob')),
        'long reference refused',
      );
      await h.signal(provideSecretRefSignal, { by: 'bob', stepId: SECRET.stepId, ref: ref('NEW_KEY') });
    });
    const refused = outcome.timeline.find((e) => e.message.startsWith('Refused'))!.message;
    expect(refused).toMatch(
      /^Refused the reference from bob \(file:\/run\/k+… \(100010 characters\)\): not a valid secret reference: a path of at most 512 characters/,
    );
    expect(refused.length).toBeLessThan(400);
    expect(outcome.ref).toEqual(ref('NEW_KEY'));
    expect(outcome.approvals[0]!.decisions.map((d) => d.comment)).toEqual(['env:NEW_KEY']);
  });

  it('a rejection by an approver closes the request with no reference', async () => {
    const outcome = await runGate({ input: policy({}), step: SECRET, secret: true }, async (h) => {
      await until(h, opened(SECRET.stepId), 'request opened');
      await h.signal(rejectSignal, { stepId: SECRET.stepId, by: 'bob', comment: 'no new key' });
    });
    expect(outcome.ref).toBeNull();
    expect(outcome.approvals[0]!.outcome).toBe('rejected');
  });
});
