import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** Parsed JSON body, or `undefined` if the body was not JSON. */
  json: unknown;
  /** What the receiver did with it. */
  answered: ReceiverMode;
}

/** `ok`: 200; `fail`: 500; `reject`: 404 `no_service` (Slack's answer for a revoked webhook); `hang`: never answer (the sender times out). */
export type ReceiverMode = 'ok' | 'fail' | 'reject' | 'hang';

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  /** A URL on this receiver; pass a secret-looking path to check it never leaks. */
  url(path?: string): string;
  /** Every request so far, in arrival order (including failed and hung ones). */
  requests: ReceivedRequest[];
  /** Requests the receiver answered 2xx to — what a real sink would have accepted. */
  delivered(): ReceivedRequest[];
  setMode(mode: ReceiverMode): void;
  /** Answers the next `count` requests with `mode`, then returns to the current mode. */
  failNext(count: number, mode?: Exclude<ReceiverMode, 'ok'>): void;
  /** Resolves once `count` requests matching `filter` have arrived; rejects after `timeoutMs`. */
  waitFor(count: number, filter?: (r: ReceivedRequest) => boolean, timeoutMs?: number): Promise<ReceivedRequest[]>;
  /** Stops listening: later sends get connection refused. Idempotent. */
  close(): Promise<void>;
}

const ANSWERS = { ok: [200, 'ok'], fail: [500, 'internal_error'], reject: [404, 'no_service'] } as const;

/** A loopback HTTP server standing in for Slack and generic webhooks in tests. */
export async function startWebhookReceiver(options: { mode?: ReceiverMode } = {}): Promise<WebhookReceiver> {
  let mode: ReceiverMode = options.mode ?? 'ok';
  let overrides: Exclude<ReceiverMode, 'ok'>[] = [];
  const requests: ReceivedRequest[] = [];
  const hung = new Set<ServerResponse>();
  const waiters = new Set<() => unknown>();
  let closed: Promise<void> | undefined;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const answered = overrides.shift() ?? mode;
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, json, answered });
      for (const wake of waiters) wake();
      if (answered === 'hang') {
        hung.add(res);
        res.on('close', () => hung.delete(res));
        return;
      }
      const [status, text] = ANSWERS[answered];
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(text);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;

  return {
    baseUrl,
    url: (path = '/hook') => `${baseUrl}${path.startsWith('/') ? path : `/${path}`}`,
    requests,
    delivered: () => requests.filter((r) => r.answered === 'ok'),
    setMode(next) {
      mode = next;
    },
    failNext(count, failMode = 'fail') {
      overrides = [...overrides, ...Array.from({ length: count }, () => failMode)];
    },
    waitFor(count, filter = () => true, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const matched = requests.filter(filter);
          if (matched.length < count) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(matched);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `webhook receiver: expected ${count} matching requests within ${timeoutMs} ms, got ${requests.filter(filter).length}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        for (const res of hung) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
