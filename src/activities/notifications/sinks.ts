// How one message reaches one sink: an HTTP POST with quick retries, or a line in a file or on the terminal.
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { log } from '@temporalio/activity';
import { request, type Dispatcher } from 'undici';
import type { DeliveryResult, NotificationMessage } from '../../contract/index.ts';

/** `RUNBOOK_NOTIFY_FILE=-` sends drill output to the terminal (stderr) instead of a file. */
export const STDERR_SINK = '-';

export interface HttpSinkSettings {
  attempts: number;
  timeoutMs: number;
  retryDelayMs: number;
  dispatcher: Dispatcher | undefined;
}

export interface LocalSinkSettings {
  clock: () => Date;
  writeTerminal: (text: string) => void;
}

type PostOutcome = { ok: true } | { ok: false; error: string; retry: boolean };

/** Statuses worth a quick second try; other 4xx mean the sink refuses this request for good. */
const retryableStatus = (status: number) => status >= 500 || status === 408 || status === 429;

/** Posts the payload, trying again after a growing pause while the failure is worth a retry. */
export async function postWithRetries(
  http: HttpSinkSettings,
  sink: string,
  url: string,
  payload: unknown,
): Promise<DeliveryResult> {
  const body = JSON.stringify(payload);
  const { attempts } = http;
  let error = 'not attempted';
  let tried = 0;
  while (tried < attempts) {
    tried += 1;
    const outcome = await postOnce(http, url, body);
    if (outcome.ok) return { sink, ok: true };
    error = outcome.error;
    log.warn('notification attempt failed', { sink, attempt: tried, attempts, error });
    if (!outcome.retry) break;
    if (tried < attempts) await delay(http.retryDelayMs * tried);
  }
  return { sink, ok: false, error: tried > 1 ? `${error} (after ${tried} attempts)` : error };
}

async function postOnce(http: HttpSinkSettings, url: string, body: string): Promise<PostOutcome> {
  try {
    const response = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(http.timeoutMs),
      dispatcher: http.dispatcher,
    });
    await response.body.dump();
    if (response.statusCode >= 200 && response.statusCode < 300) return { ok: true };
    return { ok: false, error: `HTTP ${response.statusCode}`, retry: retryableStatus(response.statusCode) };
  } catch (err) {
    return { ok: false, error: describeTransportError(err, http.timeoutMs), retry: true };
  }
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

/** The drill sink: the text on the terminal for `-`, else one JSON line appended to the file. */
export async function writeLocal(
  local: LocalSinkSettings,
  target: string,
  message: NotificationMessage,
): Promise<DeliveryResult> {
  if (target === STDERR_SINK) {
    try {
      local.writeTerminal(`\n${message.text}\n`);
      return { sink: 'terminal', ok: true };
    } catch (err) {
      return { sink: 'terminal', ok: false, error: writeError(err) };
    }
  }
  try {
    await mkdir(dirname(target), { recursive: true });
    await appendFile(target, `${JSON.stringify({ at: local.clock().toISOString(), ...message })}\n`);
    return { sink: 'file', ok: true };
  } catch (err) {
    return { sink: 'file', ok: false, error: writeError(err) };
  }
}

const writeError = (err: unknown) => (err as { code?: string }).code ?? 'write failed';
