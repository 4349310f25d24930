import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormData, request } from 'undici';
import { loadScenarioFile, startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { postLegacy, TEST_API_KEY } from '../support/simulator.ts';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ latencyScale: 0 });
});
afterAll(() => sim.stop());

const ok = { prompt: 'a lighthouse', model: 'V_2_TURBO', magic_prompt_option: 'OFF' };

async function postV3(fields: Record<string, string>, key = TEST_API_KEY) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  const response = await request(`${sim.baseUrl}/v1/ideogram-v3/generate`, {
    method: 'POST',
    headers: { 'Api-Key': key },
    body: form,
  });
  return { status: response.statusCode, json: (await response.body.json()) as Record<string, unknown> };
}

describe('Ideogram simulator: the documented API', () => {
  it('generates on the legacy endpoint with the documented response shape', async () => {
    sim.setScenario('healthy');
    const { status, json } = await postLegacy(sim.baseUrl, { ...ok, num_images: 2, seed: 42, style_type: 'REALISTIC' });
    expect(status).toBe(200);
    const body = json as { created: string; data: Array<Record<string, unknown>> };
    expect(Number.isNaN(Date.parse(body.created))).toBe(false);
    expect(body.data).toHaveLength(2);
    expect(body.data[0]).toMatchObject({
      prompt: 'a lighthouse',
      resolution: '1024x1024',
      is_image_safe: true,
      seed: 42,
      style_type: 'REALISTIC',
    });
    expect(String(body.data[0]!.url)).toMatch(new RegExp(`^${sim.baseUrl}/images/`));
  });

  it('accepts multipart on V3 with its own field names (magic_prompt, rendering_speed)', async () => {
    const { status, json } = await postV3({
      prompt: 'triage test',
      rendering_speed: 'FLASH',
      magic_prompt: 'OFF',
      aspect_ratio: '16x9',
    });
    expect(status).toBe(200);
    expect((json.data as unknown[]).length).toBe(1);
    const bad = await postV3({ prompt: 'x', rendering_speed: 'LUDICROUS' });
    expect(bad.status).toBe(400);
    expect(String(bad.json.error)).toContain('rendering_speed');
  });

  it('answers 400 for invalid bodies, naming the field', async () => {
    const missing = await postLegacy(sim.baseUrl, { model: 'V_2' });
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('prompt');
    const tooMany = await postLegacy(sim.baseUrl, { ...ok, num_images: 9 });
    expect(tooMany.status).toBe(400);
    const badModel = await postLegacy(sim.baseUrl, { ...ok, model: 'V_9' });
    expect(badModel.status).toBe(400);
  });

  it('answers 401 without a key', async () => {
    expect((await postLegacy(sim.baseUrl, ok, null)).status).toBe(401);
  });

  it('returns an empty URL when the image is not safe', async () => {
    const { json } = await postLegacy(sim.baseUrl, { ...ok, prompt: 'something unsafe' });
    expect((json as { data: Array<{ url: string; is_image_safe: boolean }> }).data[0]).toMatchObject({
      url: '',
      is_image_safe: false,
    });
  });

  it.each([
    ['auth-401', 401, undefined],
    ['credits-402', 402, 'insufficient_funds'],
    ['safety-422', 422, undefined],
    ['rate-limit-429', 429, 'inflight_limit'],
    ['outage-500', 500, undefined],
    ['outage-503', 503, undefined],
  ])('scenario %s answers %i on both endpoints', async (scenario, code, reason) => {
    sim.setScenario(scenario);
    const legacy = await postLegacy(sim.baseUrl, ok);
    const v3 = await postV3({ prompt: 'x', rendering_speed: 'FLASH' });
    expect(legacy.status).toBe(code);
    expect(v3.status).toBe(code);
    if (reason) expect((legacy.json as { reject_reason: string }).reject_reason).toBe(reason);
    if (code === 422) expect((legacy.json as { error: string }).error).toMatch(/^Prompt provided failed safety check/);
    if (code === 429) expect(legacy.headers['retry-after']).toBe('1');
  });

  it('partial-outage fails legacy and serves V3', async () => {
    sim.setScenario('partial-outage');
    expect((await postLegacy(sim.baseUrl, ok)).status).toBe(500);
    expect((await postV3({ prompt: 'x' })).status).toBe(200);
  });

  it('serves an Atlassian-shaped status page that follows the scenario', async () => {
    sim.setScenario('outage-500');
    const down = (await (await request(sim.statusPageUrl)).body.json()) as { status: { indicator: string } };
    expect(down.status.indicator).toBe('major');
    sim.setScenario('healthy');
    const up = (await (await request(sim.statusPageUrl)).body.json()) as {
      status: { indicator: string; description: string };
    };
    expect(up.status).toEqual({ indicator: 'none', description: 'All Systems Operational' });
  });

  it('records requests with the key redacted', async () => {
    sim.reset();
    await postLegacy(sim.baseUrl, ok);
    const [recorded] = sim.requests();
    expect(recorded).toMatchObject({ endpoint: 'legacy', status: 200, headers: { 'api-key': '[REDACTED]' } });
    expect(JSON.stringify(sim.requests())).not.toContain(TEST_API_KEY);
    const admin = (await (await request(`${sim.adminUrl}/requests`)).body.json()) as { requests: unknown[] };
    expect(admin.requests).toHaveLength(1);
  });

  it('switches scenario through the admin endpoint', async () => {
    const res = await request(`${sim.adminUrl}/scenario`, {
      method: 'POST',
      body: JSON.stringify({ name: 'auth-401' }),
    });
    expect(res.statusCode).toBe(200);
    await res.body.text();
    expect((await postLegacy(sim.baseUrl, ok)).status).toBe(401);
    const bad = await request(`${sim.adminUrl}/scenario`, { method: 'POST', body: JSON.stringify({ name: 'nope' }) });
    expect(bad.statusCode).toBe(400);
    expect(await bad.body.text()).toContain('unknown scenario');
  });
});

describe('Ideogram simulator: limits, expiry, phases', () => {
  it('enforces 10 images in flight per key, counting num_images', async () => {
    const slow = await startSimulator({ latencyScale: 1, phases: [{ legacy: { latencyMs: 300 } }] });
    try {
      const first = postLegacy(slow.baseUrl, { ...ok, num_images: 8 });
      // Wait until the first request is in flight (recorded), not for a fixed time.
      while (!slow.requests()[0]?.admittedAt) await new Promise((r) => setImmediate(r));
      const second = await postLegacy(slow.baseUrl, { ...ok, num_images: 3 });
      const otherKey = postLegacy(slow.baseUrl, { ...ok, num_images: 3 }, 'another-key');
      expect(second.status).toBe(429);
      expect((second.json as { reject_reason: string }).reject_reason).toBe('inflight_limit');
      expect((await first).status).toBe(200);
      expect((await otherKey).status).toBe(200);
      expect((await postLegacy(slow.baseUrl, { ...ok, num_images: 3 })).status).toBe(200);
    } finally {
      await slow.stop();
    }
  });

  it('keeps a hung request in flight until the client gives up on it', async () => {
    const hung = await startSimulator({ latencyScale: 0, phases: [{ requests: 1, legacy: { fault: 'hang' } }, {}] });
    try {
      const controller = new AbortController();
      const first = request(`${hung.baseUrl}/generate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'Api-Key': TEST_API_KEY },
        body: JSON.stringify({ image_request: { ...ok, num_images: 8 } }),
        signal: controller.signal,
      }).catch((err: unknown) => err);
      while (!hung.requests()[0]?.admittedAt) await new Promise((r) => setImmediate(r));
      const blocked = await postLegacy(hung.baseUrl, { ...ok, num_images: 3 });
      expect(blocked.status).toBe(429);
      expect(hung.requests()[0]).toMatchObject({ fault: 'hang', respondedAt: null });
      controller.abort();
      expect(await first).toBeInstanceOf(Error);
      let status = 429;
      for (let attempt = 0; attempt < 200 && status === 429; attempt += 1) {
        status = (await postLegacy(hung.baseUrl, { ...ok, num_images: 3 })).status;
      }
      expect(status).toBe(200);
    } finally {
      await hung.stop();
    }
  });

  it('passes a scenario body through: 402 daily_limit', async () => {
    sim.setScenario([{ legacy: { status: 402, body: { error: 'Payment Required', reject_reason: 'daily_limit' } } }]);
    const { status, json } = await postLegacy(sim.baseUrl, ok);
    expect(status).toBe(402);
    expect(json).toEqual({ error: 'Payment Required', reject_reason: 'daily_limit' });
  });

  it.each([
    ['reset', null, ''],
    ['html', 502, '<html>'],
    ['truncated', 200, '{"created"'],
  ] as const)('serves the %s transport fault', async (fault, status, start) => {
    sim.setScenario([{ legacy: { fault } }]);
    const outcome = await postLegacy(sim.baseUrl, ok).catch((err: unknown) => err as Error);
    if (status === null) {
      expect(outcome).toBeInstanceOf(Error);
      return;
    }
    const response = outcome as Awaited<ReturnType<typeof postLegacy>>;
    expect(response.status).toBe(status);
    expect(response.text.startsWith(start)).toBe(true);
    if (fault === 'truncated') expect(() => JSON.parse(response.text) as unknown).toThrow();
  });

  it('expires image URLs like a signed-URL store (403), and 404s unknown ones', async () => {
    let clock = 1_000_000;
    const store = await startSimulator({ latencyScale: 0, imageTtlMs: 60_000, now: () => clock });
    try {
      const { json } = await postLegacy(store.baseUrl, ok);
      const url = (json as { data: Array<{ url: string }> }).data[0]!.url;
      expect((await request(url)).statusCode).toBe(200);
      clock += 60_001;
      const expired = await request(url);
      expect(expired.statusCode).toBe(403);
      expect(await expired.body.text()).toContain('Request has expired');
      const unknown = await request(`${store.baseUrl}/images/deadbeef.png`);
      expect(unknown.statusCode).toBe(404);
      await unknown.body.text();
    } finally {
      await store.stop();
    }
  });

  it('advances phases by request count (an outage that recovers)', async () => {
    const phased = await startSimulator({
      latencyScale: 0,
      phases: [{ requests: 2, legacy: { status: 503 } }, { name: 'up' }],
    });
    try {
      const statuses = [];
      for (let i = 0; i < 4; i += 1) statuses.push((await postLegacy(phased.baseUrl, ok)).status);
      expect(statuses).toEqual([503, 503, 200, 200]);
    } finally {
      await phased.stop();
    }
  });

  it('advances phases by time (flapping, then worse)', async () => {
    let clock = 0;
    const phased = await startSimulator({
      latencyScale: 0,
      now: () => clock,
      phases: [{ durationMs: 1_000, legacy: { status: 500 } }, { durationMs: 1_000 }, { legacy: { status: 503 } }],
    });
    try {
      expect((await postLegacy(phased.baseUrl, ok)).status).toBe(500);
      clock = 1_000;
      expect((await postLegacy(phased.baseUrl, ok)).status).toBe(200);
      clock = 2_500;
      expect((await postLegacy(phased.baseUrl, ok)).status).toBe(503);
      expect(phased.currentPhase()).toBe('phase-2');
    } finally {
      await phased.stop();
    }
  });

  it('rejects a bad scenario file naming the JSON path of the bad field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scenario-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify([{ requests: 2 }, { legacy: { status: 'five hundred' } }]));
    expect(() => loadScenarioFile(file)).toThrow(/\$\[1\]\.legacy\.status/);
    writeFileSync(file, JSON.stringify([{ requests: 2, durationMs: 5 }]));
    expect(() => loadScenarioFile(file)).toThrow(/either durationMs or requests/);
    writeFileSync(file, '{not json');
    expect(() => loadScenarioFile(file)).toThrow(/bad\.json/);
  });
});
