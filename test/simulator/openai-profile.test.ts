import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';

/** The generic simulator serving the OpenAI runbook's profile: its routes, auth scheme, headers and bodies. */
let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ runbook: 'openai', latencyScale: 0 });
});
afterAll(() => sim.stop());

const chat = (headers: Record<string, string>) =>
  fetch(`${sim.baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  });

describe('simulator with the OpenAI profile', () => {
  it('takes the key only as Authorization: Bearer <key>', async () => {
    sim.setScenario('healthy');
    const ok = await chat({ authorization: 'Bearer sk-test' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ object: 'chat.completion', choices: [{ message: { role: 'assistant' } }] });
    const bare = await chat({ authorization: 'sk-test' });
    expect(bare.status).toBe(401);
    expect(await bare.json()).toMatchObject({ error: { code: 'invalid_api_key' } });
    expect((await chat({ 'api-key': 'sk-test' })).status).toBe(401);
  });

  it('a rate-limit phase answers 429 with retry-after and x-ratelimit-* headers; a quota phase says insufficient_quota', async () => {
    sim.setScenario('rate-limit-429');
    const limited = await chat({ authorization: 'Bearer sk-test' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(await limited.json()).toMatchObject({ error: { code: 'rate_limit_exceeded' } });
    sim.setScenario('quota-429');
    expect(await (await chat({ authorization: 'Bearer sk-test' })).json()).toMatchObject({
      error: { code: 'insufficient_quota' },
    });
  });

  it('serves its own routes: the model list, image generation with downloadable URLs, a Statuspage page; Ideogram routes are 404', async () => {
    sim.setScenario('outage-500');
    const page = (await (await fetch(sim.statusPageUrl)).json()) as { status: { indicator: string } };
    expect(page.status.indicator).toBe('major');
    sim.setScenario('healthy');
    const models = await fetch(`${sim.baseUrl}/v1/models`, { headers: { authorization: 'Bearer sk-test' } });
    expect(await models.json()).toMatchObject({ object: 'list' });
    const images = await fetch(`${sim.baseUrl}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'a lighthouse', n: 2 }),
    });
    const { data } = (await images.json()) as { data: Array<{ url: string }> };
    expect(data).toHaveLength(2);
    expect((await fetch(data[0]!.url)).status).toBe(200);
    expect((await fetch(`${sim.baseUrl}/generate`, { method: 'POST', headers: { 'api-key': 'k' } })).status).toBe(404);
    expect(sim.requests().map((r) => r.endpoint)).toEqual(
      expect.arrayContaining(['statusPage', 'models', 'images', 'files', 'other']),
    );
  });
});
