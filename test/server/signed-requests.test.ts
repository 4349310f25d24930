import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReplayGuard } from '../../src/server/intake/replay-guard.ts';
import { signBody, SIGNATURE_WINDOW_MS, verifySignature } from '../../src/server/intake/signature.ts';
import { SLACK_WINDOW_MS, verifySlackInteraction } from '../../src/server/slack/verify.ts';

/** Replay guards, without a server: the content a signature covers decides, never the header's text. */
const SLACK_SECRET = 'slack-signing-secret-3b9d71e04c';
const INTAKE_SECRET = 'intake-shared-secret-7f3a9c';
const NOW = 1_764_064_800_000;
const body = Buffer.from('payload=%7B%22type%22%3A%22block_actions%22%7D');
const timestamp = String(NOW / 1000);
const slackSignature = `v0=${createHmac('sha256', SLACK_SECRET).update(`v0:${timestamp}:${body.toString()}`).digest('hex')}`;
const slackHeaders = (signature: string, ts = timestamp) => ({
  'x-slack-signature': signature,
  'x-slack-request-timestamp': ts,
});

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return { status: (err as { statusCode: number }).statusCode, message: (err as Error).message };
  }
  return null;
};

describe('Slack request signatures', () => {
  it('refuses a captured click sent again with characters appended to its signature (Bolt reads only the first hash)', () => {
    const replays = new ReplayGuard(SLACK_WINDOW_MS);
    expect(
      refusal(() => verifySlackInteraction(SLACK_SECRET, slackHeaders(slackSignature), body, NOW, replays)),
    ).toBeNull();
    for (const padded of [
      `${slackSignature}=x`,
      `${slackSignature}=`,
      `${slackSignature} `,
      `${slackSignature}0`,
      slackSignature.toUpperCase(),
      `v1=${slackSignature.slice(3)}`,
    ]) {
      expect(
        refusal(() => verifySlackInteraction(SLACK_SECRET, slackHeaders(padded), body, NOW + 1_000, replays)),
      ).toEqual({ status: 401, message: 'malformed x-slack-signature header: expected v0=<64 hex digits>' });
    }
  });

  it('refuses an exact replay, and one whose timestamp is written with leading zeros (the same signed request)', () => {
    const replays = new ReplayGuard(SLACK_WINDOW_MS);
    verifySlackInteraction(SLACK_SECRET, slackHeaders(slackSignature), body, NOW, replays);
    const replay = /already received \(replay\)/;
    expect(
      refusal(() => verifySlackInteraction(SLACK_SECRET, slackHeaders(slackSignature), body, NOW + 60_000, replays))
        ?.message,
    ).toMatch(replay);
    expect(
      refusal(() =>
        verifySlackInteraction(
          SLACK_SECRET,
          slackHeaders(slackSignature, `00${timestamp}`),
          body,
          NOW + 60_000,
          replays,
        ),
      )?.message,
    ).toMatch(replay);
  });

  it('any header other than v0= and 64 lowercase hex digits is refused before the HMAC (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (junk) => {
        fc.pre(!/^v0=[0-9a-f]{64}$/.test(junk) && junk.length > 0);
        expect(
          refusal(() =>
            verifySlackInteraction(SLACK_SECRET, slackHeaders(junk), body, NOW, new ReplayGuard(SLACK_WINDOW_MS)),
          )?.message,
        ).toMatch(/^malformed x-slack-signature/);
      }),
    );
  });
});

describe('generic intake signatures', () => {
  const raw = Buffer.from(JSON.stringify({ summary: 'synthetic check failed', id: 'check-1' }));
  const headers = (signature = signBody(INTAKE_SECRET, timestamp, raw)) => ({
    'x-runbook-timestamp': timestamp,
    'x-runbook-signature': signature,
  });

  it('refuses an exact replay of an accepted alert within its window with 409; a request never accepted may be sent again', () => {
    const replays = new ReplayGuard(SIGNATURE_WINDOW_MS);
    const key = verifySignature(INTAKE_SECRET, headers(), raw, NOW, replays);
    // Not remembered yet (say the queue was full): the sender's retry is accepted.
    expect(verifySignature(INTAKE_SECRET, headers(), raw, NOW + 1_000, replays)).toBe(key);
    replays.remember(key, NOW + 1_000);
    expect(refusal(() => verifySignature(INTAKE_SECRET, headers(), raw, NOW + 2_000, replays))).toEqual({
      status: 409,
      message: 'this signed alert was already accepted (replay): sign each new delivery with a fresh timestamp',
    });
    const upper = `sha256=${signBody(INTAKE_SECRET, timestamp, raw).slice(7).toUpperCase()}`;
    expect(refusal(() => verifySignature(INTAKE_SECRET, headers(upper), raw, NOW + 2_000, replays))?.status).toBe(409);
    // Past twice the window the key is forgotten; the timestamp alone refuses it by then.
    expect(
      refusal(() => verifySignature(INTAKE_SECRET, headers(), raw, NOW + 2 * SIGNATURE_WINDOW_MS + 2_000, replays))
        ?.status,
    ).toBe(401);
  });

  it('refuses a malformed signature header with 400 instead of reading part of it', () => {
    const good = signBody(INTAKE_SECRET, timestamp, raw);
    for (const bad of [`${good}=x`, `${good},sha256=${'0'.repeat(64)}`, `sha1=${good.slice(7)}`, good.slice(0, -1)]) {
      expect(
        refusal(() => verifySignature(INTAKE_SECRET, headers(bad), raw, NOW, new ReplayGuard(SIGNATURE_WINDOW_MS))),
      ).toEqual({ status: 400, message: 'malformed x-runbook-signature header: expected sha256=<64 hex digits>' });
    }
  });
});
