// src/server/slack: Slack interactivity — request verification (@slack/bolt's helper), the interaction payload, the decision and the answers through response_url.
import type { IncomingHttpHeaders } from 'node:http';
import { verifySlackRequest } from '@slack/bolt';
import { IntakeRefusal } from '../intake/targets.ts';

export const SLACK_SIGNATURE_HEADER = 'x-slack-signature';
export const SLACK_TIMESTAMP_HEADER = 'x-slack-request-timestamp';
/** Slack's own window: a request signed longer ago (or ahead) than this is refused. */
export const SLACK_WINDOW_MS = 5 * 60_000;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Signatures accepted within the window: the same signed request sent again (a replay) is refused.
 * Per process; a request older than the window is refused by its timestamp anyway.
 */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();

  /** True the first time `signature` is presented; false when it was already accepted. */
  firstUse(signature: string, nowMs: number): boolean {
    for (const [key, expires] of this.seen) if (expires <= nowMs) this.seen.delete(key);
    if (this.seen.has(signature)) return false;
    this.seen.set(signature, nowMs + 2 * SLACK_WINDOW_MS);
    return true;
  }
}

/**
 * Refuses (401, with the reason) unless Slack signed this raw body with the app's signing secret
 * within 5 minutes and it was not seen before. The HMAC check is @slack/bolt's `verifySlackRequest`;
 * only what it leaves open (a timestamp far ahead, a replay within the window) is checked here.
 */
export function verifySlackInteraction(secret: string | undefined, headers: IncomingHttpHeaders, rawBody: Buffer | undefined, nowMs: number, replays: ReplayGuard): void {
  if (!secret) throw new IntakeRefusal(503, 'Slack interactivity is not configured: set RUNBOOK_SLACK_SIGNING_SECRET');
  const signature = header(headers, SLACK_SIGNATURE_HEADER);
  const timestamp = header(headers, SLACK_TIMESTAMP_HEADER);
  if (!signature) throw new IntakeRefusal(401, `missing ${SLACK_SIGNATURE_HEADER} header`);
  if (!timestamp) throw new IntakeRefusal(401, `missing ${SLACK_TIMESTAMP_HEADER} header`);
  if (!/^\d{1,12}$/.test(timestamp)) throw new IntakeRefusal(401, `${SLACK_TIMESTAMP_HEADER} must be Unix seconds`);
  if (Number(timestamp) * 1000 - nowMs > SLACK_WINDOW_MS) throw new IntakeRefusal(401, `${SLACK_TIMESTAMP_HEADER} is more than 5 minutes ahead of this server's clock`);
  try {
    verifySlackRequest({
      signingSecret: secret,
      body: (rawBody ?? Buffer.alloc(0)).toString('utf8'),
      headers: { [SLACK_SIGNATURE_HEADER]: signature, [SLACK_TIMESTAMP_HEADER]: Number(timestamp) },
      nowMilliseconds: nowMs,
    });
  } catch (err) {
    // Bolt's reasons: stale timestamp, unknown signature version, signature mismatch. None quotes the secret.
    throw new IntakeRefusal(401, `Slack signature refused: ${(err as Error).message.replace(/^Failed to verify authenticity: /, '')}`);
  }
  if (!replays.firstUse(signature, nowMs)) throw new IntakeRefusal(401, 'Slack signature refused: this signed request was already received (replay)');
}
