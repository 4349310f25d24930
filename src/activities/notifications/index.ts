// src/activities/notifications: delivers status updates and approval requests to Slack, webhooks and a file.
import { ApplicationFailure, log } from '@temporalio/activity';
import type { Dispatcher } from 'undici';
import {
  ErrorTypes,
  NotificationMessageSchema,
  type DeliveryResult,
  type NotificationMessage,
} from '../../contract/index.ts';
import { slackPayload, webhookPayload } from './payloads.ts';
import { postWithRetries, writeLocal, type HttpSinkSettings, type LocalSinkSettings } from './sinks.ts';

export { slackApprovalActions, slackPayload, webhookPayload, WEBHOOK_PAYLOAD_KEYS } from './payloads.ts';
export { STDERR_SINK } from './sinks.ts';

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

export function createNotificationActivities(deps: NotificationDeps) {
  const http: HttpSinkSettings = {
    attempts: Math.max(1, deps.attempts ?? 3),
    timeoutMs: deps.timeoutMs ?? 5_000,
    retryDelayMs: deps.retryDelayMs ?? 250,
    dispatcher: deps.dispatcher,
  };
  const local: LocalSinkSettings = {
    clock: deps.clock ?? (() => new Date()),
    writeTerminal: deps.writeTerminal ?? ((text: string) => process.stderr.write(text)),
  };

  return {
    /**
     * Delivers one update to every configured sink at once. A sink's failure is data, not an
     * exception: the workflow records it on the timeline and the next update tries again.
     */
    async notify(message: NotificationMessage): Promise<DeliveryResult[]> {
      assertValidMessage(message);
      const deliveries = await Promise.all([
        ...deps.slackWebhookUrls.map((url) =>
          postWithRetries(
            http,
            sinkName('slack', url),
            url,
            slackPayload(message, { approvalButtons: deps.slackApprovalButtons }),
          ),
        ),
        ...deps.webhookUrls.map((url) => postWithRetries(http, sinkName('webhook', url), url, webhookPayload(message))),
        ...(deps.file ? [writeLocal(local, deps.file, message)] : []),
      ]);
      log.info('notification delivered', {
        incidentId: message.incidentId,
        kind: message.kind,
        status: message.status,
        sinks: deliveries.map((d) => d.sink),
        failed: deliveries.filter((d) => !d.ok).map((d) => d.sink),
      });
      return deliveries;
    },
  };
}

/** A malformed message is a workflow bug; retrying the activity cannot fix it. */
function assertValidMessage(message: NotificationMessage): void {
  const parsed = NotificationMessageSchema.safeParse(message);
  if (parsed.success) return;
  throw ApplicationFailure.nonRetryable(
    `invalid notification message: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    ErrorTypes.InvalidNotification,
  );
}
