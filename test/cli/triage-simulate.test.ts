import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { NODE, RUNBOOK_BIN, runCli } from '../support/cli.ts';
import { TEST_API_KEY } from '../support/simulator.ts';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ latencyScale: 0 });
});
afterAll(() => sim.stop());

const env = () => ({
  IDEOGRAM_API_KEY: TEST_API_KEY,
  RUNBOOK_SERVICE_BASE_URL: sim.baseUrl,
  RUNBOOK_STATUS_PAGE_URL: sim.statusPageUrl,
});

describe('runbook triage (real process)', () => {
  it('prints a probe table and exits 0 when healthy', async () => {
    sim.setScenario('healthy');
    const { code, stdout, stderr } = await runCli(['triage', '--timeout-ms', '3000'], { env: env() });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('=== IDEOGRAM INTEGRATION TRIAGE ===');
    for (const probe of ['legacy_generate', 'v3_generate', 'dns', 'latency', 'download', 'status_page'])
      expect(stdout).toContain(probe);
    expect(stdout).toMatch(/P4 healthy: /);
  });

  it('--json prints probes and the decision, and exits 3 when an incident is indicated', async () => {
    sim.setScenario('outage-503');
    const { code, stdout } = await runCli(['triage', '--json', '--base-url', sim.baseUrl, '--timeout-ms', '3000'], {
      env: { IDEOGRAM_API_KEY: TEST_API_KEY },
    });
    expect(code).toBe(3);
    const parsed = JSON.parse(stdout) as {
      probes: Array<{ probe: string; httpStatus: number | null }>;
      decision: Record<string, string>;
    };
    expect(parsed.decision).toEqual({
      cause: 'provider_outage',
      severity: 'P1',
      rationale: expect.stringContaining('HTTP 503'),
    });
    expect(parsed.probes.find((p) => p.probe === 'legacy_generate')!.httpStatus).toBe(503);
    expect(stdout).not.toContain(TEST_API_KEY);
  });

  it('rejects a bad --base-url with exit 2, probing nothing', async () => {
    sim.reset();
    const { code, stderr } = await runCli(['triage', '--base-url', 'not a url'], { env: env() });
    expect(code).toBe(2);
    expect(stderr).toContain('--base-url: an http:// or https:// URL');
    expect(sim.requests()).toHaveLength(0);
  });

  it('exits 2 naming the reference when the API key is not configured, sending no generate request', async () => {
    sim.reset();
    const { code, stdout, stderr } = await runCli(['triage', '--base-url', sim.baseUrl], {
      env: { IDEOGRAM_API_KEY: '' },
    });
    expect(code).toBe(2);
    expect(stderr).toContain('secret env:IDEOGRAM_API_KEY is not set or empty');
    expect(stdout).toBe('');
    expect(sim.requests().filter((r) => r.endpoint === 'legacy' || r.endpoint === 'v3')).toHaveLength(0);
  });
});

describe('runbook simulate (real process)', () => {
  it('serves the scenario it was given and stops on SIGTERM', async () => {
    const child = spawn(NODE, [RUNBOOK_BIN, 'simulate', '--scenario', 'auth-401', '--latency-scale', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    while (!/listening on (\S+)/.test(out)) await once(child.stdout, 'data');
    const baseUrl = out.match(/listening on (\S+)/)![1]!;
    const response = await request(`${baseUrl}/generate`, {
      method: 'POST',
      headers: { 'Api-Key': 'k', 'content-type': 'application/json' },
      body: JSON.stringify({ image_request: { prompt: 'x' } }),
    });
    expect(response.statusCode).toBe(401);
    await response.body.text();
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });

  it('rejects a bad scenario file with exit 2, naming the JSON path of the bad field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scenario-cli-'));
    const file = join(dir, 'flapping.json');
    writeFileSync(file, JSON.stringify([{ requests: 3, legacy: { status: 503 } }, { v3: { fault: 'explode' } }]));
    const { code, stdout, stderr } = await runCli(['simulate', '--scenario-file', file]);
    expect(code).toBe(2);
    expect(stderr).toContain('$[1].v3.fault');
    expect(stdout).not.toContain('listening');
  });

  it('--inflight-limit sets the units one key may have in flight before the 429 (a bad value exits 2)', async () => {
    const child = spawn(NODE, [RUNBOOK_BIN, 'simulate', '--latency-scale', '0', '--inflight-limit', '2'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    while (!/listening on (\S+)/.test(out)) await once(child.stdout, 'data');
    const baseUrl = out.match(/listening on (\S+)/)![1]!;
    try {
      const generate = async (numImages: number) => {
        const response = await request(`${baseUrl}/generate`, {
          method: 'POST',
          headers: { 'Api-Key': 'k', 'content-type': 'application/json' },
          body: JSON.stringify({ image_request: { prompt: 'x', num_images: numImages } }),
        });
        await response.body.text();
        return response.statusCode;
      };
      expect(await generate(2)).toBe(200);
      expect(await generate(3)).toBe(429);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    const bad = await runCli(['simulate', '--inflight-limit', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--inflight-limit');
    expect(bad.stdout).not.toContain('listening');
  });

  it('rejects an unknown scenario with exit 2 and the list of known ones', async () => {
    const { code, stderr } = await runCli(['simulate', '--scenario', 'meteor-strike']);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown scenario "meteor-strike"');
    expect(stderr).toContain('outage-500');
  });
});
