import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { SimulatedEndpoint, SimulatorProfile } from '../runbooks/tooling/index.ts';

/** Epoch milliseconds with sub-millisecond precision, so ordering between requests is exact. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

export function redactHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] =
      name === 'api-key' || name === 'authorization' ? '[REDACTED]' : Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The endpoint a request is for: exact paths, or prefixes declared with a trailing `*`. */
export function routeOf(profile: SimulatorProfile, method: string, path: string): SimulatedEndpoint | undefined {
  return profile.endpoints.find(
    (e) => e.method === method && (e.path.endsWith('*') ? path.startsWith(e.path.slice(0, -1)) : path === e.path),
  );
}

/** The key as the profile says it is sent (`<header>: <prefix><key>`); empty when absent or malformed. */
export function keyOf(req: IncomingMessage, auth: SimulatorProfile['auth']): string {
  const value = req.headers[auth.header.toLowerCase()];
  if (typeof value !== 'string') return '';
  const prefix = auth.prefix ?? '';
  return value.startsWith(prefix) ? value.slice(prefix.length) : '';
}

/** A JSON body, or the text fields of a multipart form; anything else is refused. */
export async function parseBody(req: IncomingMessage, raw: Buffer): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': type } }).formData();
    const fields: Record<string, string> = {};
    for (const [name, value] of form.entries()) if (typeof value === 'string') fields[name] = value;
    return fields;
  }
  return JSON.parse(raw.toString('utf8') || 'null') as unknown;
}

export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
