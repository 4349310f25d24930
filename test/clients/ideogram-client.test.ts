import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdeogramClient, ideogramClientOptionsFromEnv, IdeogramError } from '../../clients/ideogram-client.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { TEST_API_KEY } from '../support/simulator.ts';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ latencyScale: 0 });
});
afterAll(() => sim.stop());

const prompt = { prompt: 'a fox', model: 'V_2_TURBO', magic_prompt_option: 'OFF' as const };

describe('fallback-aware Ideogram client against the simulator', () => {
  it('IDEOGRAM_FALLBACK=true serves the runbook page’s placeholder without calling the API', async () => {
    sim.setScenario('healthy');
    sim.reset();
    const client = createIdeogramClient({
      baseUrl: sim.baseUrl,
      apiKey: TEST_API_KEY,
      ...ideogramClientOptionsFromEnv({ IDEOGRAM_FALLBACK: 'true' }),
    });
    const response = await client.generate(prompt);
    expect(response.data[0]).toEqual({
      url: 'https://placehold.co/1024x1024/333/fff?text=Image%20unavailable',
      seed: 0,
      resolution: '1024x1024',
      is_image_safe: true,
      fallback: true,
    });
    expect(sim.requests()).toHaveLength(0);
  });

  it('falls back on 5xx', async () => {
    sim.setScenario('outage-503');
    const events: string[] = [];
    const client = createIdeogramClient({
      baseUrl: sim.baseUrl,
      apiKey: TEST_API_KEY,
      onEvent: (e) => events.push(`${e.type}:${e.status}`),
    });
    const response = await client.generate(prompt);
    expect(response.data[0]!.fallback).toBe(true);
    expect(events).toEqual(['fallback:503']);
  });

  it('treats a truncated 2xx body as a provider failure and falls back', async () => {
    sim.setScenario([{ legacy: { fault: 'truncated' } }]);
    const events: string[] = [];
    const client = createIdeogramClient({
      baseUrl: sim.baseUrl,
      apiKey: TEST_API_KEY,
      onEvent: (e) => events.push(`${e.type}:${e.status}`),
    });
    expect((await client.generate(prompt)).data[0]!.fallback).toBe(true);
    expect(events).toEqual(['fallback:502']);
  });

  it('keeps the key out of error messages even when the provider echoes it', async () => {
    sim.setScenario([{ legacy: { status: 401, body: { error: `invalid key ${TEST_API_KEY}` } } }]);
    const error = (await createIdeogramClient({ baseUrl: sim.baseUrl, apiKey: TEST_API_KEY })
      .generate(prompt)
      .catch((e: unknown) => e)) as IdeogramError;
    expect(error.status).toBe(401);
    expect(error.message).toContain('invalid key [REDACTED]');
    expect(`${error.message} ${error.stack ?? ''}`).not.toContain(TEST_API_KEY);
  });

  it('generates normally when healthy', async () => {
    sim.setScenario('healthy');
    const response = await createIdeogramClient({ baseUrl: sim.baseUrl, apiKey: TEST_API_KEY }).generate(prompt);
    expect(response.data[0]!.fallback).toBeUndefined();
    expect(response.data[0]!.url).toContain(sim.baseUrl);
  });

  it('retries 429 honouring Retry-After, then succeeds when the limit lifts', async () => {
    sim.setScenario([
      {
        requests: 2,
        legacy: {
          status: 429,
          body: { error: 'Too Many Requests', reject_reason: 'inflight_limit' },
          retryAfterSeconds: 0,
        },
      },
      {},
    ]);
    const events: Array<{ type: string; delayMs?: number }> = [];
    const client = createIdeogramClient({ baseUrl: sim.baseUrl, apiKey: TEST_API_KEY, onEvent: (e) => events.push(e) });
    const response = await client.generate(prompt);
    expect(response.data).toHaveLength(1);
    expect(events.filter((e) => e.type === 'retry').map((e) => e.delayMs)).toEqual([0, 0]);
  });

  it('gives up on 429 after maxRetries with the provider reason', async () => {
    sim.setScenario([
      { legacy: { status: 429, body: { error: 'Too Many Requests', reject_reason: 'inflight_limit' } } },
    ]);
    const client = createIdeogramClient({ baseUrl: sim.baseUrl, apiKey: TEST_API_KEY, maxRetries: 2, retryBaseMs: 1 });
    await expect(client.generate(prompt)).rejects.toMatchObject({
      status: 429,
      message: expect.stringContaining('inflight_limit'),
    });
  });

  it.each([
    ['auth-401', 401],
    ['credits-402', 402],
    ['safety-422', 422],
  ])('never retries %s', async (scenario, status) => {
    sim.setScenario(scenario);
    sim.reset();
    const client = createIdeogramClient({ baseUrl: sim.baseUrl, apiKey: TEST_API_KEY, retryBaseMs: 1 });
    const error = await client.generate(prompt).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdeogramError);
    expect((error as IdeogramError).status).toBe(status);
    expect(sim.requests()).toHaveLength(1);
  });

  it('keeps at most IDEOGRAM_CONCURRENCY requests in flight (from the simulator’s own record)', async () => {
    const slow = await startSimulator({ latencyScale: 1, phases: [{ legacy: { latencyMs: 40 } }] });
    try {
      const client = createIdeogramClient({
        baseUrl: slow.baseUrl,
        apiKey: TEST_API_KEY,
        ...ideogramClientOptionsFromEnv({ IDEOGRAM_CONCURRENCY: '3' }),
      });
      await Promise.all(Array.from({ length: 9 }, () => client.generate(prompt)));
      const requests = slow.requests();
      expect(requests).toHaveLength(9);
      const maxInFlight = Math.max(
        ...requests.map(
          (r) => requests.filter((o) => o.arrivedAt <= r.arrivedAt && (o.respondedAt ?? Infinity) > r.arrivedAt).length,
        ),
      );
      expect(maxInFlight).toBeLessThanOrEqual(3);
      expect(maxInFlight).toBeGreaterThan(1);
    } finally {
      await slow.stop();
    }
  });
});
