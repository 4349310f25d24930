// src/server/slack: Slack interactivity — request verification (@slack/bolt's helper), the interaction payload, the decision and the answers through response_url.
import type { IncomingHttpHeaders } from 'node:http';
import { verifySlackRequest } from '@slack/bolt';
import { ReplayGuard } from '../intake/replay-guard.ts';
import { IntakeRefusal } from '../intake/targets.ts';

export const SLACK_SIGNATURE_HEADER = 'x-slack-signature';
export const SLACK_TIMESTAMP_HEADER = 'x-slack-request-timestamp';
/** Slack's own window: a request signed longer ago (or ahead) than this is refused. */
export const SLACK_WINDOW_MS = 5 * 60_000;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Slack's only signature version: `v0=` and a hex HMAC-SHA256. Anything else (padding, a second hash) is refused. */
const SLACK_SIGNATURE = /^v0=[0-9a-f]{64}$/;

/**
 * Refuses (401, with the reason) unless Slack signed this raw body with the app's signing secret
 * within 5 minutes and it was not seen before. The HMAC check is @slack/bolt's `verifySlackRequest`;
 * what it leaves open is checked here: the header's exact form (Bolt reads only the hash after the
 * first `=`), a timestamp far ahead, a replay within the window.
 */
export function verifySlackInteraction(
  secret: string | undefined,
  headers: IncomingHttpHeaders,
  rawBody: Buffer | undefined,
  nowMs: number,
  replays: ReplayGuard,
): void {
  if (!secret) throw new IntakeRefusal(503, 'Slack interactivity is not configured: set RUNBOOK_SLACK_SIGNING_SECRET');
  const signature = header(headers, SLACK_SIGNATURE_HEADER);
  const timestamp = header(headers, SLACK_TIMESTAMP_HEADER);
  if (!signature) throw new IntakeRefusal(401, `missing ${SLACK_SIGNATURE_HEADER} header`);
  if (!timestamp) throw new IntakeRefusal(401, `missing ${SLACK_TIMESTAMP_HEADER} header`);
  if (!SLACK_SIGNATURE.test(signature))
    throw new IntakeRefusal(401, `malformed ${SLACK_SIGNATURE_HEADER} header: expected v0=<64 hex digits>`);
  if (!/^\d{1,12}$/.test(timestamp)) throw new IntakeRefusal(401, `${SLACK_TIMESTAMP_HEADER} must be Unix seconds`);
  if (Number(timestamp) * 1000 - nowMs > SLACK_WINDOW_MS)
    throw new IntakeRefusal(401, `${SLACK_TIMESTAMP_HEADER} is more than 5 minutes ahead of this server's clock`);
  try {
    verifySlackRequest({
      signingSecret: secret,
      body: (rawBody ?? Buffer.alloc(0)).toString('utf8'),
      headers: { [SLACK_SIGNATURE_HEADER]: signature, [SLACK_TIMESTAMP_HEADER]: Number(timestamp) },
      nowMilliseconds: nowMs,
    });
  } catch (err) {
    // Bolt's reasons: stale timestamp, unknown signature version, signature mismatch. None quotes the secret.
    throw new IntakeRefusal(
      401,
      `Slack signature refused: ${(err as Error).message.replace(/^Failed to verify authenticity: /, '')}`,
    );
  }
  if (!replays.firstUse(ReplayGuard.keyOf(timestamp, rawBody), nowMs))
    throw new IntakeRefusal(401, 'Slack signature refused: this signed request was already received (replay)');
}
