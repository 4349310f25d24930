import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveSignal, provideSecretRefSignal, timelineQuery, type IncidentResult } from '../../src/contract/index.ts';
import type { IncidentHandle } from '../../src/app/incident-workflow.ts';
import type { ScenarioPhase } from '../../src/simulator/index.ts';
import { signalsAndUpdates, startConsoleHarness, type ConsoleHarness } from '../support/console-harness.ts';
import { slackClicker, type SlackBlock, type SlackButton } from '../support/slack-clicks.ts';
import { startWebhookReceiver, type ReceivedRequest, type WebhookReceiver } from '../support/webhook-receiver.ts';

/**
 * The hand-over in Slack, end to end: an auth failure whose new key never works reaches
 * needs_human, the worker posts the escalation with the action table's choices as buttons, and
 * the test clicks them as Slack would (signed); the service acts through the same update as the
 * console and the CLI, so the table decides.
 */
const SIGNING_SECRET = 'slack-signing-secret-5c2e80f17a';
const TEAM = 'T0ACME';
const USERS = { U0BOB: 'bob', U0ALICE: 'alice' };
/** The key is revoked and the replacement is rejected too, for as long as the test runs. */
const NEW_KEY_NEVER_WORKS: ScenarioPhase[] = [
  { legacy: { status: 401, body: { error: 'Unauthorized' } }, v3: { status: 401, body: { error: 'Unauthorized' } } },
];

let ch: ConsoleHarness;
let slack: WebhookReceiver;
let incident: IncidentHandle;
let clicks: ReturnType<typeof slackClicker>;

beforeAll(async () => {
  slack = await startWebhookReceiver();
  ch = await startConsoleHarness({
    env: { RUNBOOK_SLACK_SIGNING_SECRET: SIGNING_SECRET, RUNBOOK_SLACK_USERS: JSON.stringify(USERS) },
    deps: {
      notifications: {
        slackWebhookUrls: [slack.url('/services/T0ACME/B0HOOK/webhook-token')],
        webhookUrls: [],
        slackApprovalButtons: true,
      },
    },
  });
  // The harness's own incident (an outage) is not part of this: it would only see the 401s too.
  await ch.incident.terminate('not part of this test');
  clicks = slackClicker({ slack, consoleUrl: () => ch.console.url, secret: SIGNING_SECRET, team: TEAM });
  const h = ch.h;
  h.sim.setScenario(NEW_KEY_NEVER_WORKS);
  // One second for the new key to be accepted: the hand-over comes soon after it is applied.
  const service = { ...h.input().service, settings: { keyPropagationMs: 1_000 } };
  incident = await h.start({ reporter: 'alice', service, billedProbesPerHour: 100_000 }, `${h.taskQueue}-new-key`);
  await h.waitFor(
    incident,
    (s) => s.pendingApprovals.some((a) => a.stepId === 'new-key-reference' && a.outcome === 'pending'),
    'the new-key-reference request',
  );
  await incident.signal(provideSecretRefSignal, {
    by: 'bob',
    stepId: 'new-key-reference',
    ref: { kind: 'env', name: 'NEW_IDEOGRAM_KEY' },
  });
  await h.waitFor(
    incident,
    (s) => s.pendingApprovals.some((a) => a.stepId === 'apply-new-key' && a.outcome === 'pending'),
    'the apply-new-key approval',
  );
  await incident.signal(approveSignal, { stepId: 'apply-new-key', by: 'bob' });
  await h.waitFor(incident, (s) => s.state === 'needs_human', 'the hand-over to a human');
}, 120_000);

afterAll(async () => {
  await incident?.terminate('test over').catch(() => undefined);
  await ch?.close();
  await slack?.close();
});

/** The `n`-th hand-over message with choices the worker posted for the incident. */
async function handOverMessage(n: number): Promise<SlackBlock[]> {
  const isHandOver = (r: ReceivedRequest) =>
    r.path.startsWith('/services/') && r.body.includes('runbook_choices') && r.body.includes(incident.workflowId);
  const messages = await slack.waitFor(n, isHandOver, 30_000);
  return (messages[n - 1]!.json as { blocks: SlackBlock[] }).blocks;
}

const choiceButtons = (blocks: SlackBlock[]) => blocks.find((b) => b.block_id === 'runbook_choices')?.elements ?? [];
const button = (blocks: SlackBlock[], actionId: string): SlackButton =>
  choiceButtons(blocks).find((b) => b.action_id === actionId)!;
const press = (user: string, blocks: SlackBlock[], actionId: string) =>
  clicks.clickAndAnswer(user, { actionId, value: button(blocks, actionId).value!, blockId: 'runbook_choices' }, blocks);
const lastLine = (answer: Record<string, unknown>) => JSON.stringify((answer.blocks as SlackBlock[]).at(-1));
const timelineText = async () => (await incident.query(timelineQuery)).map((e) => e.message);

describe('the hand-over’s choices in Slack', { timeout: 120_000 }, () => {
  let first: SlackBlock[];

  it('escalates with buttons for exactly what the table allows in needs_human: Verify again, Revert the key, Resolve, Cancel', async () => {
    first = await handOverMessage(1);
    expect(JSON.stringify(first)).toContain('the fix did not take and a human owns the incident now');
    expect(choiceButtons(first).map((b) => b.action_id)).toEqual([
      'runbook_verify_again',
      'runbook_revert:apply-new-key',
      'runbook_resolve',
      'runbook_cancel',
    ]);
    expect(JSON.parse(button(first, 'runbook_revert:apply-new-key').value!)).toEqual({
      incidentId: incident.workflowId,
      step: 'apply-new-key',
    });
    // The key is the fix, not a shield: its confirmation does not warn of errors for users.
    expect(button(first, 'runbook_revert:apply-new-key').confirm!.text.text).toContain(
      'goes back to its recorded prior value',
    );
    expect(button(first, 'runbook_cancel').confirm!.text.text).toMatch(/^Nothing is reverted|^Reverts /);
  });

  it('accepts Verify again from a mapped user: the message says who chose it, the plan resumes, and hands over again', async () => {
    const answer = await press('U0BOB', first, 'runbook_verify_again');
    expect(answer).toMatchObject({ replace_original: true });
    expect((answer.blocks as SlackBlock[]).some((b) => b.block_id === 'runbook_choices')).toBe(false);
    expect(lastLine(answer)).toContain('bob (<@U0BOB>) chose to verify again via Slack');
    const timeline = await timelineText();
    expect(timeline).toContain('bob via Slack chose to verify again');
    const entry = (await incident.query(timelineQuery)).find(
      (e) => e.message === 'bob via Slack chose to verify again',
    );
    expect(entry!.data).toMatchObject({ by: 'bob', via: { channel: 'slack', subject: 'U0BOB' } });
    expect(timeline.some((m) => m.startsWith('mitigating: resuming the plan: bob asked to verify again'))).toBe(true);
    // Still failing with the new key: a second hand-over, with its own buttons.
    expect(choiceButtons(await handOverMessage(2)).length).toBe(4);
  });

  it('reverts the change a mapped user chose, and tells a second click on it ephemerally that the table refuses it, recording nothing', async () => {
    const second = await handOverMessage(2);
    const reverted = await press('U0BOB', second, 'runbook_revert:apply-new-key');
    expect(lastLine(reverted)).toContain('bob (<@U0BOB>) chose to revert apply-new-key via Slack');
    await ch.h.waitFor(
      incident,
      (s) => s.mutations.some((m) => m.step === 'apply-new-key' && m.revertedAt),
      'apply-new-key reverted',
    );

    const before = await signalsAndUpdates(incident);
    const refused = await press('U0ALICE', second, 'runbook_revert:apply-new-key');
    expect(refused).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(refused.text).toContain(
      'revert change is not possible while the incident is needs_human: no change is in place',
    );
    expect(await signalsAndUpdates(incident)).toEqual(before);
    expect((await timelineText()).filter((m) => m.includes('alice chose'))).toEqual([]);
  });

  it('cancels from Slack, the reason saying so', async () => {
    const answer = await press('U0BOB', await handOverMessage(2), 'runbook_cancel');
    expect(lastLine(answer)).toContain('bob (<@U0BOB>) chose to cancel the incident via Slack');
    const result = (await incident.result()) as IncidentResult;
    expect(result.state).toBe('cancelled');
    expect(result.timeline.map((e) => e.message)).toContain(
      'Cancellation requested by bob via Slack: a button in Slack carries no reason',
    );
  });
});
