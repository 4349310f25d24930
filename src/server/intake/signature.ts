import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ReplayGuard } from './replay-guard.ts';
import { IntakeRefusal } from './targets.ts';

export const TIMESTAMP_HEADER = 'x-runbook-timestamp';
export const SIGNATURE_HEADER = 'x-runbook-signature';
/** A signed request older or newer than this is refused: a captured one cannot be replayed later. */
export const SIGNATURE_WINDOW_MS = 5 * 60_000;

/** `sha256=<hex>` of HMAC-SHA256(secret, `<timestamp>.<raw body>`), the timestamp in Unix seconds. */
export function signBody(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex')}`;
}

/** The one accepted form: anything appended, a second hash or another algorithm is refused, not ignored. */
const SIGNATURE_FORM = /^sha256=[0-9a-fA-F]{64}$/;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Refuses (400 missing or malformed headers, 401 stale or wrong signature, 409 a replay) unless the
 * body is signed with the shared secret and this signed request was not accepted before. Returns
 * the replay key, for the caller to remember once it accepted the alert: a request refused for
 * another reason (a full queue) may be sent again as it was.
 */
export function verifySignature(
  secret: string | undefined,
  headers: IncomingHttpHeaders,
  rawBody: Buffer | undefined,
  nowMs: number,
  replays: ReplayGuard,
): string {
  if (!secret) throw new IntakeRefusal(503, 'the generic intake is not configured: set RUNBOOK_INTAKE_HMAC_SECRET');
  const timestamp = header(headers, TIMESTAMP_HEADER);
  const signature = header(headers, SIGNATURE_HEADER);
  if (!timestamp || !signature)
    throw new IntakeRefusal(400, `missing ${!timestamp ? TIMESTAMP_HEADER : SIGNATURE_HEADER} header`);
  if (!/^\d{1,12}$/.test(timestamp)) throw new IntakeRefusal(400, `${TIMESTAMP_HEADER} must be Unix seconds`);
  if (!SIGNATURE_FORM.test(signature))
    throw new IntakeRefusal(400, `malformed ${SIGNATURE_HEADER} header: expected sha256=<64 hex digits>`);
  if (Math.abs(nowMs - Number(timestamp) * 1000) > SIGNATURE_WINDOW_MS)
    throw new IntakeRefusal(401, `${TIMESTAMP_HEADER} is outside the 5-minute window: refused as a possible replay`);
  const expected = Buffer.from(signBody(secret, timestamp, rawBody ?? Buffer.alloc(0)));
  const given = Buffer.from(`sha256=${signature.slice('sha256='.length).toLowerCase()}`);
  // Constant time: how much of a guess matched must not show in the answer time.
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new IntakeRefusal(401, 'signature does not match');
  const key = ReplayGuard.keyOf(timestamp, rawBody);
  if (replays.has(key, nowMs))
    throw new IntakeRefusal(
      409,
      'this signed alert was already accepted (replay): sign each new delivery with a fresh timestamp',
    );
  return key;
}
