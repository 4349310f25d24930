import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import {
  createNotificationActivities,
  WEBHOOK_PAYLOAD_KEYS,
  type NotificationDeps,
} from '../../src/activities/notifications/index.ts';
import {
  ErrorTypes,
  type DeliveryResult,
  type IncidentState,
  type NotificationMessage,
} from '../../src/contract/index.ts';
import { renderStatusMessage, type StatusMessageInput } from '../../src/workflows/engine/status-message.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

/** Slack incoming-webhook URLs are bearer secrets: this one must never leave the sender. */
const SLACK_TOKEN = 'xoxb-T0SECRET-B0SECRET-hunter2hunter2';
const WEBHOOK_TOKEN = 'whsec_9f8e7d6c5b4a';
const APPROVE = 'runbook approve incident-20261125-outage enable-fallback --by <your-name>';

function capturingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: LogLevel, message: string, meta?: LogMetadata) =>
    void lines.push(`${level} ${message} ${JSON.stringify(meta ?? {})}`);
  return {
    lines,
    log,
    trace: (m, meta) => log('TRACE', m, meta),
    debug: (m, meta) => log('DEBUG', m, meta),
    info: (m, meta) => log('INFO', m, meta),
    warn: (m, meta) => log('WARN', m, meta),
    error: (m, meta) => log('ERROR', m, meta),
  };
}

const input = (over: Partial<StatusMessageInput> = {}): StatusMessageInput => ({
  incidentId: 'incident-20261125-outage',
  title: 'Ideogram Integration',
  kind: 'status',
  severity: 'P1',
  state: 'investigating',
  impact: 'Image generation unavailable for users',
  cause: 'API returning 500',
  action: 'Running triage',
  nextUpdateAt: '2026-11-25T14:30:00.000Z',
  owner: null,
  ...over,
});

/** A whole incident's worth of updates, in the order the workflow sends them. */
const incidentSequence: NotificationMessage[] = [
  renderStatusMessage(input()),
  renderStatusMessage(input({ kind: 'escalation', escalation: 'P1 not acknowledged within 15 min' })),
  renderStatusMessage(
    input({
      kind: 'approval_request',
      state: 'awaiting_approval',
      owner: 'alice',
      action: 'Waiting for approval: enable-fallback',
      approval: {
        stepId: 'enable-fallback',
        description: 'Enable fallback mode (return placeholder images)',
        kubectl: 'kubectl set env deployment/ideogram-service IDEOGRAM_FALLBACK=true',
        approveCommand: APPROVE,
      },
    }),
  ),
  ...(['mitigating', 'mitigated', 'monitoring'] as IncidentState[]).map((state) =>
    renderStatusMessage(input({ state, owner: 'alice', action: 'Fallback enabled, monitoring for resolution' })),
  ),
  renderStatusMessage(
    input({
      kind: 'reminder',
      state: 'monitoring',
      owner: 'alice',
      action: 'Fallback enabled, monitoring for resolution',
    }),
  ),
  renderStatusMessage(input({ state: 'resolved', owner: 'alice', action: 'Fallback disabled', nextUpdateAt: null })),
];

describe('notification sinks', () => {
  let slack: WebhookReceiver;
  let webhook: WebhookReceiver;
  let dir: string;
  let logger: ReturnType<typeof capturingLogger>;

  beforeEach(async () => {
    [slack, webhook] = await Promise.all([startWebhookReceiver(), startWebhookReceiver()]);
    dir = await mkdtemp(join(tmpdir(), 'notify-'));
    logger = capturingLogger();
  });
  afterEach(async () => {
    await Promise.all([slack.close(), webhook.close(), rm(dir, { recursive: true, force: true })]);
  });

  const notifier = (deps: Partial<NotificationDeps>) => {
    const { notify } = createNotificationActivities({
      slackWebhookUrls: [],
      webhookUrls: [],
      timeoutMs: 2_000,
      retryDelayMs: 1,
      ...deps,
    });
    return (message: NotificationMessage): Promise<DeliveryResult[]> =>
      new MockActivityEnvironment(undefined, { logger }).run(notify, message);
  };

  it('posts Block Kit with a plain-text fallback to Slack', async () => {
    const notify = notifier({ slackWebhookUrls: [slack.url(`/services/${SLACK_TOKEN}`)] });
    const approval = incidentSequence[2]!;
    expect(await notify(approval)).toEqual([{ sink: `slack:${new URL(slack.baseUrl).host}`, ok: true }]);
    const [request] = slack.requests;
    expect(request!.method).toBe('POST');
    expect(request!.headers['content-type']).toBe('application/json');
    const body = request!.json as { text: string; blocks: { type: string; text?: { type: string; text: string } }[] };
    // Slack would swallow `<your-name>` as a link: the fallback text carries it escaped.
    expect(body.text).toBe(approval.text.replaceAll('<', '&lt;').replaceAll('>', '&gt;'));
    expect(body.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'P1 INCIDENT: Ideogram Integration' },
    });
    expect(body.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'section', 'context']);
    const blockText = JSON.stringify(body.blocks);
    expect(blockText).toContain('IDEOGRAM_FALLBACK=true');
    expect(blockText).toContain(APPROVE.replace('<your-name>', '&lt;your-name&gt;'));
    expect(blockText).toContain('INVESTIGATING');
  });

  it('puts Approve / Reject buttons naming the incident and step on approval requests only when Slack interactivity is set up', async () => {
    const notify = notifier({ slackWebhookUrls: [slack.url()], slackApprovalButtons: true });
    await notify(incidentSequence[2]!);
    await notify(incidentSequence[0]!);
    type Block = {
      type: string;
      block_id?: string;
      elements?: Array<{ action_id: string; value: string; style: string }>;
    };
    const [approval, status] = slack.requests.map((r) => (r.json as { blocks: Block[] }).blocks);
    expect(approval!.map((b) => b.type)).toEqual(['header', 'section', 'section', 'section', 'actions', 'context']);
    const actions = approval!.find((b) => b.type === 'actions')!;
    expect(actions.block_id).toBe('runbook_approval');
    expect(actions.elements!.map((e) => [e.action_id, e.style])).toEqual([
      ['runbook_approve', 'primary'],
      ['runbook_reject', 'danger'],
    ]);
    for (const e of actions.elements!)
      expect(JSON.parse(e.value)).toEqual({ incidentId: 'incident-20261125-outage', stepId: 'enable-fallback' });
    expect(status!.some((b) => b.type === 'actions')).toBe(false);
    // A secret-reference request needs a reference, not a click: no buttons.
    const secretRequest = {
      ...incidentSequence[2]!,
      approval: {
        ...incidentSequence[2]!.approval!,
        stepId: 'new-key-reference',
        approveCommand:
          'runbook provide-secret incident-20261125-outage new-key-reference --ref env:NEW_KEY --by <your-name>',
      },
    };
    await notify(secretRequest);
    expect((slack.requests[2]!.json as { blocks: Block[] }).blocks.some((b) => b.type === 'actions')).toBe(false);
  });

  it('leads a Slack escalation with the reason', async () => {
    const notify = notifier({ slackWebhookUrls: [slack.url()] });
    await notify(incidentSequence[1]!);
    const body = slack.requests[0]!.json as { blocks: { type: string; text?: { text: string } }[] };
    expect(body.blocks[1]!.text!.text).toContain('ESCALATION: P1 not acknowledged within 15 min');
  });

  it('posts exactly the documented keys to a generic webhook', async () => {
    const notify = notifier({ webhookUrls: [webhook.url(`/hooks/${WEBHOOK_TOKEN}`)] });
    const message = incidentSequence[0]!;
    await notify(message);
    const body = webhook.requests[0]!.json as Record<string, unknown>;
    expect(Object.keys(body)).toEqual([...WEBHOOK_PAYLOAD_KEYS]);
    expect(body).toEqual({
      incidentId: 'incident-20261125-outage',
      severity: 'P1',
      status: 'INVESTIGATING',
      impact: 'Image generation unavailable for users',
      cause: 'API returning 500',
      action: 'Running triage',
      nextUpdateAt: '2026-11-25T14:30:00.000Z',
      owner: 'unassigned',
      text: message.text,
    });
  });

  it('delivers a whole incident to every sink at once, in order', async () => {
    const file = join(dir, 'drill', 'notifications.jsonl');
    const notify = notifier({
      slackWebhookUrls: [slack.url()],
      webhookUrls: [webhook.url('/a'), webhook.url('/b')],
      file,
    });
    for (const message of incidentSequence) {
      const results = await notify(message);
      expect(results.map((r) => r.ok)).toEqual([true, true, true, true]);
      expect(results.map((r) => r.sink)).toEqual([
        `slack:${new URL(slack.baseUrl).host}`,
        `webhook:${new URL(webhook.baseUrl).host}`,
        `webhook:${new URL(webhook.baseUrl).host}`,
        'file',
      ]);
    }
    const expected = incidentSequence.map((m) => [m.kind, m.status]);
    expect(slack.requests.map((r) => (r.json as { text: string }).text.split('\n')[1])).toEqual(
      incidentSequence.map((m) => `Status: ${m.status}`),
    );
    for (const path of ['/a', '/b']) {
      const bodies = webhook.requests
        .filter((r) => r.path === path)
        .map((r) => r.json as { status: string; text: string });
      expect(bodies.map((b) => b.status)).toEqual(incidentSequence.map((m) => m.status));
      expect(bodies.map((b) => b.text)).toEqual(incidentSequence.map((m) => m.text));
    }
    const lines = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as NotificationMessage & { at: string });
    expect(lines.map((l) => [l.kind, l.status])).toEqual(expected);
    expect(lines.every((l) => !Number.isNaN(Date.parse(l.at)))).toBe(true);
    expect(lines.find((l) => l.kind === 'approval_request')!.text).toContain(APPROVE);
  });

  it('stamps file lines with the injected clock', async () => {
    const file = join(dir, 'n.jsonl');
    await notifier({ file, clock: () => new Date('2030-01-02T03:04:05.000Z') })(incidentSequence[0]!);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({
      at: '2030-01-02T03:04:05.000Z',
      incidentId: 'incident-20261125-outage',
    });
  });

  it('writes the plain text to the terminal when the file is "-"', async () => {
    const written: string[] = [];
    const results = await notifier({ file: '-', writeTerminal: (t) => void written.push(t) })(incidentSequence[2]!);
    expect(results).toEqual([{ sink: 'terminal', ok: true }]);
    expect(written.join('')).toContain(incidentSequence[2]!.text);
  });

  it('records a 500 as a failed delivery after its quick retries, without throwing, while other sinks succeed', async () => {
    slack.setMode('fail');
    const results = await notifier({ slackWebhookUrls: [slack.url()], webhookUrls: [webhook.url()], attempts: 3 })(
      incidentSequence[0]!,
    );
    expect(results).toEqual([
      { sink: `slack:${new URL(slack.baseUrl).host}`, ok: false, error: 'HTTP 500 (after 3 attempts)' },
      { sink: `webhook:${new URL(webhook.baseUrl).host}`, ok: true },
    ]);
    expect(slack.requests).toHaveLength(3);
    expect(webhook.requests).toHaveLength(1);
  });

  it('succeeds on a quick retry after one transient 500', async () => {
    webhook.failNext(1);
    const results = await notifier({ webhookUrls: [webhook.url()], attempts: 2 })(incidentSequence[0]!);
    expect(results[0]!.ok).toBe(true);
    expect(webhook.requests.map((r) => r.answered)).toEqual(['fail', 'ok']);
    expect(webhook.delivered()).toHaveLength(1);
  });

  it('records a hung receiver as a timeout', async () => {
    webhook.setMode('hang');
    const results = await notifier({ webhookUrls: [webhook.url()], timeoutMs: 150, attempts: 2 })(incidentSequence[0]!);
    expect(results).toEqual([
      { sink: `webhook:${new URL(webhook.baseUrl).host}`, ok: false, error: 'timeout after 150 ms (after 2 attempts)' },
    ]);
    expect(webhook.requests).toHaveLength(2);
  });

  it('records a closed receiver as connection refused', async () => {
    const url = slack.url(`/services/${SLACK_TOKEN}`);
    await slack.close();
    const results = await notifier({ slackWebhookUrls: [url], attempts: 1 })(incidentSequence[0]!);
    expect(results).toEqual([{ sink: `slack:${new URL(url).host}`, ok: false, error: 'connection refused' }]);
  });

  it('does not retry a refusal such as 404 no_service', async () => {
    slack.setMode('reject');
    const results = await notifier({ slackWebhookUrls: [slack.url()], attempts: 3 })(incidentSequence[0]!);
    expect(results).toEqual([{ sink: `slack:${new URL(slack.baseUrl).host}`, ok: false, error: 'HTTP 404' }]);
    expect(slack.requests).toHaveLength(1);
  });

  it('never shows a webhook URL path (its secret) in results, logs or payloads', async () => {
    const slackUrl = slack.url(`/services/${SLACK_TOKEN}`);
    const hookUrl = webhook.url(`/hooks/${WEBHOOK_TOKEN}`);
    webhook.setMode('fail');
    const results: DeliveryResult[] = [];
    for (const message of incidentSequence)
      results.push(...(await notifier({ slackWebhookUrls: [slackUrl], webhookUrls: [hookUrl], attempts: 1 })(message)));
    await webhook.close();
    results.push(...(await notifier({ webhookUrls: [hookUrl], attempts: 1 })(incidentSequence[0]!)));
    const everythingVisible = JSON.stringify({
      results,
      logs: logger.lines,
      bodies: [...slack.requests, ...webhook.requests].map((r) => r.body),
    });
    expect(results.some((r) => !r.ok)).toBe(true);
    expect(logger.lines.some((l) => l.includes('notification attempt failed'))).toBe(true);
    for (const secret of [SLACK_TOKEN, WEBHOOK_TOKEN, '/services/', '/hooks/'])
      expect(everythingVisible).not.toContain(secret);
  });

  it('rejects a malformed message as a non-retryable bug', async () => {
    const bad = { ...incidentSequence[0]!, status: 'UNKNOWN' } as unknown as NotificationMessage;
    await expect(notifier({ webhookUrls: [webhook.url()] })(bad)).rejects.toMatchObject({
      type: ErrorTypes.InvalidNotification,
      nonRetryable: true,
    });
    expect(webhook.requests).toHaveLength(0);
  });
});
