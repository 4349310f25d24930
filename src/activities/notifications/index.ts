// src/activities/notifications: delivers status updates and approval requests to Slack, webhooks and a file.
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ApplicationFailure, log } from '@temporalio/activity';
import { request, type Dispatcher } from 'undici';
import {
  ErrorTypes,
  NotificationMessageSchema,
  type DeliveryResult,
  type NotificationMessage,
} from '../../contract/index.ts';
import { slackPayload, webhookPayload } from './payloads.ts';

export { slackApprovalActions, slackPayload, webhookPayload, WEBHOOK_PAYLOAD_KEYS } from './payloads.ts';

/** `RUNBOOK_NOTIFY_FILE=-` sends drill output to the terminal (stderr) instead of a file. */
export const STDERR_SINK = '-';

export interface NotificationDeps {
  slackWebhookUrls: string[];
  /** Approval requests to Slack carry Approve / Reject buttons (Slack interactivity is set up for the service). */
  slackApprovalButtons?: boolean;
  webhookUrls: string[];
  /** Drills: append each message as one JSON line to this file; `-` writes the text to stderr. */
  file?: string;
  /** Per request, including connect. */
  timeoutMs?: number;
  /** Quick in-activity attempts per sink; after that the workflow retries at the next update. */
  attempts?: number;
  retryDelayMs?: number;
  dispatcher?: Dispatcher;
  clock?: () => Date;
  /** Where the terminal sink writes; stderr unless a test captures it. */
  writeTerminal?: (text: string) => void;
}

/** Webhook URLs carry credentials in their path: only the host is ever shown. */
export function sinkName(kind: string, url: string): string {
  try {
    return `${kind}:${new URL(url).host}`;
  } catch {
    return `${kind}:invalid-url`;
  }
}

/** Statuses worth a quick second try; other 4xx mean the sink refuses this request for good. */
const retryableStatus = (status: number) => status >= 500 || status === 408 || status === 429;

export function createNotificationActivities(deps: NotificationDeps) {
  const attempts = Math.max(1, deps.attempts ?? 3);
  const timeoutMs = deps.timeoutMs ?? 5_000;
  const retryDelayMs = deps.retryDelayMs ?? 250;
  const clock = deps.clock ?? (() => new Date());
  const writeTerminal = deps.writeTerminal ?? ((text: string) => process.stderr.write(text));

  async function postOnce(
    url: string,
    body: string,
  ): Promise<{ ok: true } | { ok: false; error: string; retry: boolean }> {
    try {
      const response = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(timeoutMs),
        dispatcher: deps.dispatcher,
      });
      await response.body.dump();
      if (response.statusCode >= 200 && response.statusCode < 300) return { ok: true };
      return { ok: false, error: `HTTP ${response.statusCode}`, retry: retryableStatus(response.statusCode) };
    } catch (err) {
      return { ok: false, error: describeTransportError(err, timeoutMs), retry: true };
    }
  }

  async function post(sink: string, url: string, payload: unknown): Promise<DeliveryResult> {
    const body = JSON.stringify(payload);
    let error = 'not attempted';
    let tried = 0;
    while (tried < attempts) {
      tried += 1;
      const outcome = await postOnce(url, body);
      if (outcome.ok) return { sink, ok: true };
      error = outcome.error;
      log.warn('notification attempt failed', { sink, attempt: tried, attempts, error });
      if (!outcome.retry) break;
      if (tried < attempts) await delay(retryDelayMs * tried);
    }
    return { sink, ok: false, error: tried > 1 ? `${error} (after ${tried} attempts)` : error };
  }

  async function writeLocal(target: string, message: NotificationMessage): Promise<DeliveryResult> {
    if (target === STDERR_SINK) {
      try {
        writeTerminal(`\n${message.text}\n`);
        return { sink: 'terminal', ok: true };
      } catch (err) {
        return { sink: 'terminal', ok: false, error: (err as { code?: string }).code ?? 'write failed' };
      }
    }
    try {
      await mkdir(dirname(target), { recursive: true });
      await appendFile(target, `${JSON.stringify({ at: clock().toISOString(), ...message })}\n`);
      return { sink: 'file', ok: true };
    } catch (err) {
      return { sink: 'file', ok: false, error: (err as { code?: string }).code ?? 'write failed' };
    }
  }

  return {
    /**
     * Delivers one update to every configured sink at once. A sink's failure is data, not an
     * exception: the workflow records it on the timeline and the next update tries again.
     */
    async notify(message: NotificationMessage): Promise<DeliveryResult[]> {
      const parsed = NotificationMessageSchema.safeParse(message);
      if (!parsed.success) {
        // A malformed message is a workflow bug; retrying the activity cannot fix it.
        throw ApplicationFailure.nonRetryable(
          `invalid notification message: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
          ErrorTypes.InvalidNotification,
        );
      }
      const deliveries = await Promise.all([
        ...deps.slackWebhookUrls.map((url) =>
          post(sinkName('slack', url), url, slackPayload(message, { approvalButtons: deps.slackApprovalButtons })),
        ),
        ...deps.webhookUrls.map((url) => post(sinkName('webhook', url), url, webhookPayload(message))),
        ...(deps.file ? [writeLocal(deps.file, message)] : []),
      ]);
      const failed = deliveries.filter((d) => !d.ok);
      log.info('notification delivered', {
        incidentId: message.incidentId,
        kind: message.kind,
        status: message.status,
        sinks: deliveries.map((d) => d.sink),
        failed: failed.map((d) => d.sink),
      });
      return deliveries;
    },
  };
}

/** Short and URL-free: undici messages can quote the address, which may hold a token. */
function describeTransportError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; code?: string; cause?: { code?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `timeout after ${timeoutMs} ms`;
  const code = e.code ?? e.cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'connection reset';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  return code ?? e.name ?? 'request failed';
}
