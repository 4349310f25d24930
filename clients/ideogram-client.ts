/**
 * The fallback-aware Ideogram client services use: it honours the knobs the Ideogram runbook turns
 * (IDEOGRAM_FALLBACK, IDEOGRAM_CONCURRENCY). A library for services, not part of the engine or a runbook.
 */
import { request, type Dispatcher } from 'undici';

/** What a service calls instead of the raw API: honours the runbook's knobs. */
export interface IdeogramClientOptions {
  baseUrl?: string;
  apiKey: string;
  /** `IDEOGRAM_FALLBACK=true`: serve placeholders without calling the API. */
  fallback?: boolean;
  /** `IDEOGRAM_CONCURRENCY`: requests in flight at most. */
  concurrency?: number;
  maxRetries?: number;
  /** Backoff base for 429s without Retry-After. */
  retryBaseMs?: number;
  timeoutMs?: number;
  dispatcher?: Dispatcher;
  onEvent?: (event: { type: 'fallback' | 'retry'; status?: number; attempt?: number; delayMs?: number }) => void;
}

export interface GenerateRequest {
  prompt: string;
  model?: string;
  magic_prompt_option?: 'AUTO' | 'ON' | 'OFF';
  num_images?: number;
  seed?: number;
  aspect_ratio?: string;
  style_type?: string;
}

export interface GeneratedImage {
  url: string;
  seed: number;
  resolution: string;
  is_image_safe: boolean;
  prompt?: string;
  style_type?: string;
  fallback?: boolean;
}

export interface GenerateResponse {
  created?: string;
  data: GeneratedImage[];
}

export class IdeogramError extends Error {
  readonly status: number;
  readonly retryable: boolean;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'IdeogramError';
    this.status = status;
    this.retryable = status === 429 || status >= 500;
  }
}

/** The runbook page's placeholder (runbook-page.txt), verbatim. */
export function fallbackResponse(): GenerateResponse {
  return {
    data: [
      {
        url: `https://placehold.co/1024x1024/333/fff?text=${encodeURIComponent('Image unavailable')}`,
        seed: 0,
        resolution: '1024x1024',
        is_image_safe: true,
        fallback: true,
      },
    ],
  };
}

/** Reads the knobs the runbook turns, from a service's environment. */
export function ideogramClientOptionsFromEnv(
  env: NodeJS.ProcessEnv,
): Pick<IdeogramClientOptions, 'fallback' | 'concurrency'> {
  const concurrency = Number(env.IDEOGRAM_CONCURRENCY);
  return {
    fallback: env.IDEOGRAM_FALLBACK === 'true',
    concurrency: Number.isInteger(concurrency) && concurrency > 0 ? concurrency : undefined,
  };
}

class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly limit: number;
  constructor(limit: number) {
    this.limit = limit;
  }
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active += 1;
    try {
      return await task();
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }
}

export function createIdeogramClient(options: IdeogramClientOptions) {
  const baseUrl = (options.baseUrl ?? 'https://api.ideogram.ai').replace(/\/$/, '');
  const limiter = new Semaphore(options.concurrency ?? 10);
  const maxRetries = options.maxRetries ?? 3;
  const retryBaseMs = options.retryBaseMs ?? 500;

  async function callOnce(body: GenerateRequest): Promise<GenerateResponse> {
    const response = await request(`${baseUrl}/generate`, {
      method: 'POST',
      headers: { 'Api-Key': options.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ image_request: body }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
      dispatcher: options.dispatcher,
    });
    const text = await response.body.text();
    if (response.statusCode >= 200 && response.statusCode < 300) {
      try {
        return JSON.parse(text) as GenerateResponse;
      } catch {
        // A 2xx the provider could not finish writing is its failure, as a 502 from a proxy would be.
        throw new IdeogramError(502, `unparseable response body (HTTP ${response.statusCode})`);
      }
    }
    let message = `HTTP ${response.statusCode}`;
    try {
      const parsed = JSON.parse(text) as { error?: string; reject_reason?: string };
      message = [parsed.error, parsed.reject_reason].filter(Boolean).join(': ') || message;
    } catch {
      // Non-JSON error pages keep the status line only.
    }
    // Providers sometimes echo the request; the key must not travel on in an error message.
    const error = new IdeogramError(response.statusCode, message.split(options.apiKey).join('[REDACTED]'));
    const retryAfter = Number(response.headers['retry-after']);
    return Promise.reject(
      Object.assign(error, { retryAfterMs: Number.isFinite(retryAfter) ? retryAfter * 1000 : undefined }),
    );
  }

  return {
    /**
     * Generates, or serves the placeholder: in fallback mode, or when the provider fails with 5xx.
     * 429 is retried with backoff (Retry-After first); 401/402/422 are the caller's to handle.
     */
    async generate(body: GenerateRequest): Promise<GenerateResponse> {
      if (options.fallback) {
        options.onEvent?.({ type: 'fallback' });
        return fallbackResponse();
      }
      return limiter.run(async () => {
        for (let attempt = 0; ; attempt += 1) {
          try {
            return await callOnce(body);
          } catch (err) {
            if (!(err instanceof IdeogramError)) throw err;
            if (err.status >= 500) {
              options.onEvent?.({ type: 'fallback', status: err.status });
              return fallbackResponse();
            }
            if (err.status !== 429 || attempt >= maxRetries) throw err;
            const hinted = (err as IdeogramError & { retryAfterMs?: number }).retryAfterMs;
            const delayMs = hinted ?? retryBaseMs * 2 ** attempt;
            options.onEvent?.({ type: 'retry', status: 429, attempt: attempt + 1, delayMs });
            await new Promise((r) => setTimeout(r, delayMs));
          }
        }
      });
    },
  };
}
