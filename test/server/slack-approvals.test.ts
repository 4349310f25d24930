import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import { statusQuery } from '../../src/contract/index.ts';
import { createLogger } from '../../src/infra/logger.ts';
import type { ScenarioPhase } from '../../src/simulator/index.ts';
import {
  firstUpdateInput,
  signalsAndUpdates,
  startConsoleHarness,
  type ConsoleHarness,
} from '../support/console-harness.ts';
import type { Harness } from '../support/incident-harness.ts';
import { slackClicker, type SlackBlock } from '../support/slack-clicks.ts';
import { startWebhookReceiver, type ReceivedRequest, type WebhookReceiver } from '../support/webhook-receiver.ts';

/**
 * Slack approvals end to end: the worker posts the approval request with buttons to a loopback
 * "Slack", the test clicks as Slack would (a form-encoded `payload`, signed v0:timestamp:body with
 * HMAC-SHA256 under the app's signing secret), and the service answers through the response_url.
 */
const SIGNING_SECRET = 'slack-signing-secret-3b9d71e04c';
const TEAM = 'T0ACME';
const USERS = { U0BOB: 'bob', U0ALICE: 'alice' };
const LASTING_OUTAGE: ScenarioPhase[] = [
  { legacy: { status: 500 }, v3: { status: 500 }, statusPage: { indicator: 'major' } },
];

type Block = SlackBlock;

let ch: ConsoleHarness;
let h: Harness;
let incident: WorkflowHandle;
let slack: WebhookReceiver;
const logLines: string[] = [];
/** The approval request as the channel shows it: its blocks come back in every click's payload. */
let posted: { blocks: Block[]; value: string };
let clicks: ReturnType<typeof slackClicker>;

beforeAll(async () => {
  slack = await startWebhookReceiver();
  const destination = new Writable({
    write: (chunk: Buffer, _encoding, done) => (logLines.push(chunk.toString()), done()),
  });
  ch = await startConsoleHarness({
    env: { RUNBOOK_SLACK_SIGNING_SECRET: SIGNING_SECRET, RUNBOOK_SLACK_USERS: JSON.stringify(USERS) },
    deps: {
      notifications: {
        slackWebhookUrls: [slack.url('/services/T0ACME/B0HOOK/webhook-token')],
        webhookUrls: [],
        slackApprovalButtons: true,
      },
    },
    logger: createLogger({ level: 'debug', format: 'json', destination }),
  });
  ({ h, incident } = ch);
  clicks = slackClicker({ slack, consoleUrl: () => ch.console.url, secret: SIGNING_SECRET, team: TEAM });
});

afterAll(async () => {
  await ch?.close();
  await slack?.close();
});

/** The approval request for `incidentId` that the worker posted to the Slack webhook. */
async function approvalMessage(incidentId: string): Promise<{ blocks: Block[]; value: string }> {
  const isRequest = (r: ReceivedRequest) =>
    r.path.startsWith('/services/') && r.body.includes('runbook_approval') && r.body.includes(incidentId);
  const [request] = await slack.waitFor(1, isRequest, 30_000);
  const blocks = (request!.json as { blocks: Block[] }).blocks;
  const buttons = blocks.find((b) => b.block_id === 'runbook_approval')!;
  return { blocks, value: buttons.elements![0]!.value! };
}

/** A click on the approval message's Approve or Reject, as Slack posts it. */
const click = (user: string, action: 'runbook_approve' | 'runbook_reject', message = posted) =>
  clicks.click(user, { actionId: action, value: message.value, blockId: 'runbook_approval' }, message.blocks);
const signedHeaders = (body: string, options?: { secret?: string; timestamp?: number }) =>
  clicks.signedHeaders(body, options);
const post = (body: string, headers: Record<string, string>) => clicks.post(body, headers);
const answerTo = (responsePath: string) => clicks.answerTo(responsePath);

const answered = () => slack.requests.filter((r) => r.path.startsWith('/actions/'));

describe('Slack approvals', () => {
  it('posts the approval request with Approve / Reject buttons naming the incident and step', async () => {
    posted = await approvalMessage(incident.workflowId);
    expect(JSON.parse(posted.value)).toEqual({ incidentId: incident.workflowId, stepId: 'enable-fallback' });
    expect(posted.blocks.find((b) => b.block_id === 'runbook_approval')!.elements!.map((e) => e.action_id)).toEqual([
      'runbook_approve',
      'runbook_reject',
    ]);
  });

  it('refuses a wrong secret, a stale or future timestamp and a missing signature with 401, signalling nothing', async () => {
    const { body } = click('U0BOB', 'runbook_approve');
    const wrong = await post(body, signedHeaders(body, { secret: 'not-the-signing-secret' }));
    expect(wrong).toEqual({ status: 401, error: 'Slack signature refused: signature mismatch' });
    const stale = await post(body, signedHeaders(body, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 }));
    expect(stale.status).toBe(401);
    expect(stale.error).toMatch(/stale/);
    const ahead = await post(body, signedHeaders(body, { timestamp: Math.floor(Date.now() / 1000) + 6 * 60 }));
    expect(ahead.status).toBe(401);
    expect(ahead.error).toMatch(/ahead/);
    const { 'x-slack-signature': _dropped, ...unsigned } = signedHeaders(body);
    expect(await post(body, unsigned)).toEqual({ status: 401, error: 'missing x-slack-signature header' });
    const tampered = click('U0BOB', 'runbook_reject');
    expect((await post(tampered.body, { ...signedHeaders(body) })).status).toBe(401);
    expect(await signalsAndUpdates(incident)).toEqual([]);
    expect(answered()).toEqual([]);
  });

  it('refuses an unmapped Slack user with an ephemeral message, signalling nothing', async () => {
    const { body, responsePath } = click('U0MALLORY', 'runbook_approve');
    expect(await post(body, signedHeaders(body))).toEqual({ status: 200 });
    const answer = await answerTo(responsePath);
    expect(answer).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(answer.text).toMatch(/U0MALLORY is not mapped to an approver/);
    expect(await signalsAndUpdates(incident)).toEqual([]);
  });

  it('tells the mapped reporter ephemerally that the workflow refuses a self-approval', async () => {
    const { body, responsePath } = click('U0ALICE', 'runbook_approve');
    expect(await post(body, signedHeaders(body))).toEqual({ status: 200 });
    const answer = await answerTo(responsePath);
    expect(answer).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(answer.text).toMatch(/alice reported this incident and may not approve its own remediation/);
    const status = await incident.query(statusQuery);
    expect(status.pendingApprovals.find((a) => a.stepId === 'enable-fallback')?.decisions).toEqual([]);
  });

  let approvedRequest: { body: string; headers: Record<string, string> };

  it('approves with a correctly signed click by a mapped approver: recorded via slack with the Slack user id, message replaced', async () => {
    const { body, responsePath } = click('U0BOB', 'runbook_approve');
    approvedRequest = { body, headers: signedHeaders(body) };
    expect(await post(approvedRequest.body, approvedRequest.headers)).toEqual({ status: 200 });
    const answer = await answerTo(responsePath);
    expect(answer).toMatchObject({ replace_original: true });
    const blocks = answer.blocks as Block[];
    expect(blocks.some((b) => b.block_id === 'runbook_approval')).toBe(false);
    expect(JSON.stringify(blocks.at(-1))).toContain('*Approved* `enable-fallback` by bob (<@U0BOB>) via Slack');
    // The rest of the message stays as the channel saw it.
    expect(blocks.slice(0, -1)).toEqual(posted.blocks.filter((b) => b.block_id !== 'runbook_approval'));
    expect(await firstUpdateInput(incident)).toMatchObject({
      stepId: 'enable-fallback',
      by: 'bob',
      decision: 'approved',
      via: { channel: 'slack', subject: 'U0BOB', issuer: TEAM },
    });
    const status = await h.waitFor(incident, (s) => s.mutations.length > 0, 'the fallback change');
    expect(status.mutations[0]!.change).toContain('IDEOGRAM_FALLBACK=true');
  });

  it('refuses the same signed request sent again (replay), changing nothing', async () => {
    const before = await signalsAndUpdates(incident);
    const replayed = await post(approvedRequest.body, approvedRequest.headers);
    expect(replayed.status).toBe(401);
    expect(replayed.error).toMatch(/replay/);
    expect(await signalsAndUpdates(incident)).toEqual(before);
  });

  it("counts a Slack click as verified under RUNBOOK_REQUIRE_VERIFIED_APPROVALS' policy", async () => {
    h.sim.setScenario(LASTING_OUTAGE);
    const verified = await h.start(
      { reporter: 'alice', policy: { timeoutMs: 600_000, requireVerifiedApprovals: true } },
      `${h.taskQueue}-verified`,
    );
    try {
      const message = await approvalMessage(verified.workflowId);
      const { body, responsePath } = click('U0BOB', 'runbook_approve', message);
      expect(await post(body, signedHeaders(body))).toEqual({ status: 200 });
      expect(await answerTo(responsePath)).toMatchObject({ replace_original: true });
      await h.waitFor(verified, (s) => s.mutations.length > 0, 'the fallback change after the Slack approval');
    } finally {
      await verified.terminate().catch(() => undefined);
    }
  });

  it('never logs the signing secret or a response_url token', () => {
    const log = logLines.join('');
    expect(log).toContain('slack click accepted');
    expect(log).toContain('slack request refused');
    expect(log).not.toContain(SIGNING_SECRET);
    expect(log).not.toContain('response-token');
  });
});
