import { fetch } from 'undici';
import { rolesFrom, type Role } from '../../src/server/identity.ts';
import type { RunningConsole } from '../../src/server/serve.ts';

/** A response kept open (server-sent events): what arrived so far, a wait for more, and hanging up. */
export interface OpenStream {
  status: number;
  text(): string;
  /** Resolves with the text once `enough(text)`; rejects after `timeoutMs` naming `what`. */
  until(enough: (text: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
  close(): void;
}

export interface ConsoleResponse {
  status: number;
  location: string | null;
  body: string;
}

/**
 * A browser-like HTTP client for one origin (the console, or an identity provider): keeps its session cookie, follows nothing by
 * itself (tests look at each redirect), and reads the CSRF token a page's forms carry.
 */
export class ConsoleSession {
  /** Every cookie the server set, as a browser keeps them for one origin. */
  private readonly cookies = new Map<string, string>();
  readonly baseUrl: string;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl;
  }

  async get(path: string): Promise<ConsoleResponse> {
    return this.send(path, { method: 'GET' });
  }

  /** A form POST; pass `_csrf` yourself (or leave it out to forge one). */
  async post(path: string, form: Record<string, string>): Promise<ConsoleResponse> {
    return this.send(path, {
      method: 'POST',
      body: new URLSearchParams(form).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  }

  /** The CSRF token the page at `path` renders into its forms. */
  async csrf(path: string): Promise<string> {
    const page = await this.get(path);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
    if (!token) throw new Error(`no CSRF token on ${path} (status ${page.status}): ${page.body.slice(0, 300)}`);
    return token;
  }

  /** Reads a streaming response (server-sent events) until `enough` says so, then hangs up. */
  async readStream(path: string, enough: (text: string) => boolean): Promise<string> {
    const controller = new AbortController();
    const response = await fetch(new URL(path, this.baseUrl), {
      signal: controller.signal,
      headers: { cookie: this.cookieHeader() },
    });
    const decoder = new TextDecoder();
    let text = '';
    for await (const chunk of response.body!) {
      text += decoder.decode(chunk as Uint8Array, { stream: true });
      if (enough(text)) break;
    }
    controller.abort();
    return text;
  }

  /** Opens a streaming response and keeps reading it in the background until `close()`. */
  async openStream(path: string): Promise<OpenStream> {
    const controller = new AbortController();
    const response = await fetch(new URL(path, this.baseUrl), {
      signal: controller.signal,
      headers: { cookie: this.cookieHeader() },
    });
    let text = '';
    let ended = false;
    const waiters = new Set<() => void>();
    const notify = () => {
      for (const waiter of [...waiters]) waiter();
    };
    void (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of response.body!) {
          text += decoder.decode(chunk as Uint8Array, { stream: true });
          notify();
        }
      } catch {
        // Aborted by close(), or the server hung up: either way the stream is over.
      }
      ended = true;
      notify();
    })();
    return {
      status: response.status,
      text: () => text,
      until: (enough, what, timeoutMs = 20_000) =>
        new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => {
            waiters.delete(check);
            reject(new Error(`stream ${path}: no ${what} within ${timeoutMs} ms; got: ${text.slice(-400)}`));
          }, timeoutMs);
          function check() {
            if (enough(text)) {
              clearTimeout(timer);
              waiters.delete(check);
              resolve(text);
            } else if (ended) {
              clearTimeout(timer);
              waiters.delete(check);
              reject(new Error(`stream ${path} ended without ${what}; got: ${text.slice(-400)}`));
            }
          }
          waiters.add(check);
          check();
        }),
      close: () => controller.abort(),
    };
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** Another client holding the same cookies as this one now: a copy of the cookie jar, saved aside. */
  copy(): ConsoleSession {
    const other = new ConsoleSession(this.baseUrl);
    for (const [name, value] of this.cookies) other.cookies.set(name, value);
    return other;
  }

  /** Signs in through a one-time link, as a person clicking it would. */
  async signIn(loginUrl: string): Promise<ConsoleResponse> {
    return this.get(new URL(loginUrl).pathname);
  }

  private async send(
    path: string,
    init: { method: string; body?: string; headers?: Record<string, string> },
  ): Promise<ConsoleResponse> {
    const response = await fetch(new URL(path, this.baseUrl), {
      ...init,
      redirect: 'manual',
      headers: { ...init.headers, ...(this.cookies.size ? { cookie: this.cookieHeader() } : {}) },
    });
    const set = response.headers.getSetCookie();
    for (const c of set) {
      const pair = c.split(';')[0]!;
      const at = pair.indexOf('=');
      this.cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return { status: response.status, location: response.headers.get('location'), body: await response.text() };
  }
}

/** A session signed in to `at` as `name` with `role`, through a one-time link as the console issues them. */
export async function signedInSession(at: RunningConsole, name: string, role: Role): Promise<ConsoleSession> {
  const token = at.loginLinks.issue({ name, roles: rolesFrom(role), issuer: 'local-link', subject: `${name}@test` });
  const session = new ConsoleSession(at.url);
  const landed = await session.signIn(new URL(`/login/${token}`, at.url).href);
  if (landed.status !== 302 || landed.location !== '/')
    throw new Error(`signing ${name} in failed: ${landed.status} ${landed.location}`);
  return session;
}
