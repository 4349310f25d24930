import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveSignal, provideSecretRefSignal } from '../../src/contract/index.ts';
import type { IncidentHandle } from '../../src/app/incident-workflow.ts';
import type { ScenarioPhase } from '../../src/simulator/index.ts';
import { runCli } from '../support/cli.ts';
import { cliEnvironment, startHarness, type Harness } from '../support/incident-harness.ts';
import { temporalAddress } from '../support/temporal.ts';

/** The key is revoked and its replacement is rejected too, for as long as the test runs. */
const NEW_KEY_NEVER_WORKS: ScenarioPhase[] = [
  { legacy: { status: 401, body: { error: 'Unauthorized' } }, v3: { status: 401, body: { error: 'Unauthorized' } } },
];

let h: Harness;
let env: NodeJS.ProcessEnv;
let incident: IncidentHandle;
beforeAll(async () => {
  h = await startHarness({ phases: NEW_KEY_NEVER_WORKS });
  env = cliEnvironment(h, temporalAddress());
  // One second for the new key to be accepted: the hand-over comes soon after it is applied.
  incident = await h.start({
    service: { ...h.input().service, settings: { keyPropagationMs: 1_000 } },
    billedProbesPerHour: 100_000,
  });
  await h.waitFor(
    incident,
    (s) => s.pendingApprovals.some((a) => a.stepId === 'new-key-reference'),
    'the new-key-reference request',
  );
  await incident.signal(provideSecretRefSignal, {
    by: 'bob',
    stepId: 'new-key-reference',
    ref: { kind: 'env', name: 'NEW_IDEOGRAM_KEY' },
  });
  await h.waitFor(
    incident,
    (s) => s.pendingApprovals.some((a) => a.stepId === 'apply-new-key'),
    'the apply-new-key approval',
  );
}, 120_000);
afterAll(async () => {
  await incident?.terminate('test over').catch(() => undefined);
  await h?.close();
});

const cli = (args: string[]) => runCli(args, { env });

describe('the human-owned state from the CLI (real processes)', () => {
  it('refuses verify and revert (exit 2, the table’s reason) before the engine hands the incident over', async () => {
    const verify = await cli(['verify', incident.workflowId, '--by', 'carol']);
    expect(verify.code).toBe(2);
    expect(verify.stderr).toContain('verify again is not possible while the incident is awaiting_approval');
    const revert = await cli(['revert', incident.workflowId, 'apply-new-key', '--by', 'carol']);
    expect(revert.code).toBe(2);
    expect(revert.stderr).toContain('offered only once the engine has handed the incident to a human');
  });

  it('offers verify, revert of a named change, and cancel once a human owns it; the status says why', async () => {
    await incident.signal(approveSignal, { stepId: 'apply-new-key', by: 'bob' });
    await h.waitFor(incident, (s) => s.state === 'needs_human', 'the hand-over to a human');
    const status = await cli(['status', incident.workflowId]);
    expect(status.stdout).toContain('needs_human (ESCALATED)');

    const verify = await cli([
      'verify',
      incident.workflowId,
      '--by',
      'carol',
      '--reason',
      'the vendor says keys are live',
    ]);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toContain('verifying again with real calls');
    // The plan verifies again (1 s of grace), fails again and hands the incident back.
    await h.waitFor(incident, (s) => s.state !== 'needs_human', 'the plan resuming');
    await h.waitFor(incident, (s) => s.state === 'needs_human', 'the second hand-over');

    const unknown = await cli(['revert', incident.workflowId, 'no-such-step', '--by', 'carol']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no-such-step is not a change in place (in place: apply-new-key)');
    const revert = await cli([
      'revert',
      incident.workflowId,
      'apply-new-key',
      '--by',
      'carol',
      '--reason',
      'back to the old key while the vendor looks',
    ]);
    expect(revert.code, revert.stderr).toBe(0);
    await h.waitFor(
      incident,
      (s) => s.mutations.some((m) => m.step === 'apply-new-key' && m.revertedAt),
      'the key reverted by choice',
    );

    const cancel = await cli(['cancel', incident.workflowId, 'handed to the vendor', '--by', 'carol']);
    expect(cancel.code, cancel.stderr).toBe(0);
    const result = await incident.result();
    expect(result.state).toBe('cancelled');
    expect(result.timeline.some((e) => e.message.startsWith("Reverted apply-new-key by carol's choice"))).toBe(true);
    // Where each choice came from is recorded with it: a name typed on the command line is the CLI's.
    expect(
      result.timeline.find((e) => e.message.startsWith('carol via the CLI chose to verify again'))?.data,
    ).toMatchObject({ via: { channel: 'cli' } });
    expect(
      result.timeline.some((e) =>
        e.message.startsWith('Cancellation requested by carol via the CLI: handed to the vendor'),
      ),
    ).toBe(true);
    const after = await cli(['verify', incident.workflowId, '--by', 'carol']);
    expect(after.code).toBe(2);
    expect(after.stderr).toContain('is closed');
  });
});
