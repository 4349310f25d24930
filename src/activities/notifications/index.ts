import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { log } from '@temporalio/activity';
import { request, type Dispatcher } from 'undici';
import type { DeliveryResult, NotificationMessage } from '../../contract/index.ts';

export interface NotificationDeps {
  slackWebhookUrls: string[];
  webhookUrls: string[];
  /** Drills: append each message as one JSON line to this file. */
  file?: string;
  timeoutMs?: number;
  /** Quick in-activity retries per sink; the workflow retries at the next update. */
  attempts?: number;
  dispatcher?: Dispatcher;
}

/** Slack incoming webhook: Block Kit, with the plain text as the notification fallback. */
export function slackPayload(message: NotificationMessage): unknown {
  const [headline, ...rest] = message.text.split('\n');
  return {
    text: message.text,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: (headline ?? '').slice(0, 150) } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Status:*\n${message.status}` },
          { type: 'mrkdwn', text: `*Severity:*\n${message.severity ?? 'unclassified'}` },
          { type: 'mrkdwn', text: `*Owner:*\n${message.owner}` },
          { type: 'mrkdwn', text: `*Next update:*\n${message.nextUpdateAt ?? 'none'}` },
        ],
      },
      { type: 'section', text: { type: 'mrkdwn', text: rest.filter((l) => !/^(Status|Owner|Next update):/.test(l)).join('\n') || ' ' } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `incident \`${message.incidentId}\` · ${message.kind}` }] },
    ],
  };
}

/** The generic webhook's documented JSON body. */
export function webhookPayload(message: NotificationMessage): Record<string, unknown> {
  return {
    incidentId: message.incidentId,
    severity: message.severity,
    status: message.status,
    impact: message.impact,
    cause: message.cause,
    action: message.action,
    nextUpdateAt: message.nextUpdateAt,
    owner: message.owner,
    text: message.text,
  };
}

/** Webhook URLs carry credentials in their path: only the host is ever shown. */
export const sinkName = (kind: string, url: string) => `${kind}:${new URL(url).host}`;

export function createNotificationActivities(deps: NotificationDeps) {
  const attempts = deps.attempts ?? 2;
  const timeoutMs = deps.timeoutMs ?? 5_000;

  async function post(sink: string, url: string, body: unknown): Promise<DeliveryResult> {
    let lastError = '';
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      try {
        const response = await request(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
          dispatcher: deps.dispatcher,
        });
        await response.body.text();
        if (response.statusCode >= 200 && response.statusCode < 300) return { sink, ok: true };
        lastError = `HTTP ${response.statusCode}`;
      } catch (err) {
        const e = err as { code?: string; name?: string };
        lastError = e.name === 'TimeoutError' || e.name === 'AbortError' ? `timeout after ${timeoutMs} ms` : (e.code ?? e.name ?? 'error');
      }
    }
    log.warn('notification sink failed', { sink, error: lastError });
    return { sink, ok: false, error: lastError };
  }

  return {
    /** Delivers to every configured sink; never throws for a sink's failure: it reports it. */
    async notify(message: NotificationMessage): Promise<DeliveryResult[]> {
      const deliveries = await Promise.all([
        ...deps.slackWebhookUrls.map((url) => post(sinkName('slack', url), url, slackPayload(message))),
        ...deps.webhookUrls.map((url) => post(sinkName('webhook', url), url, webhookPayload(message))),
        ...(deps.file ? [writeToFile(deps.file, message)] : []),
      ]);
      log.info('notification sent', { incidentId: message.incidentId, kind: message.kind, status: message.status, sinks: deliveries.length, failed: deliveries.filter((d) => !d.ok).length });
      return deliveries;
    },
  };
}

async function writeToFile(file: string, message: NotificationMessage): Promise<DeliveryResult> {
  try {
    await mkdir(dirname(file), { recursive: true });
    await appendFile(file, `${JSON.stringify({ at: new Date().toISOString(), ...message })}\n`);
    return { sink: 'file', ok: true };
  } catch (err) {
    return { sink: 'file', ok: false, error: (err as { code?: string }).code ?? 'write failed' };
  }
}
