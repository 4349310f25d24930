import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import { MockActivityEnvironment } from '@temporalio/testing';
import { executeProbe } from '../../src/activities/probes/execute.ts';
import { createProbeActivities, runProbeRound, runTriage } from '../../src/activities/probes/index.ts';
import { ProbeSpecSchema, type ProbeResult, type ProbeSpecInput, type ProbeTarget } from '../../src/contract/index.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { IDEOGRAM_PROBE_IDS as P, ideogramRunbook as ideogram } from '../support/ideogram.ts';
import { TEST_API_KEY } from '../support/simulator.ts';

const ideogramRunbook = ideogram();

const env = { PROBE_TEST_KEY: TEST_API_KEY };
const deps = { secrets: { env } };
let sim: RunningSimulator;
let target: ProbeTarget;

beforeAll(async () => {
  sim = await startSimulator({ latencyScale: 0 });
  target = {
    baseUrl: sim.baseUrl,
    statusPageUrl: sim.statusPageUrl,
    apiKeyRef: { kind: 'env', name: 'PROBE_TEST_KEY' },
  };
});
afterAll(() => sim.stop());

const byId = (results: ProbeResult[], id: string): ProbeResult => results.find((r) => r.probe === id)!;
/** The triage probes with short timeouts, as drills use them. */
const fastProbes: ProbeSpecInput[] = ideogramRunbook.triageProbes.map((p) => ({ ...p, timeoutMs: 1_500 }));

describe('triage probes against the simulator', () => {
  it('run concurrently: every independent probe request arrives before the first response is sent', async () => {
    const slow = await startSimulator({
      latencyScale: 1,
      phases: [{ legacy: { latencyMs: 500 }, v3: { latencyMs: 500 }, statusPage: { latencyMs: 500 } }],
    });
    try {
      const report = await runTriage(
        ideogramRunbook,
        { ...target, baseUrl: slow.baseUrl, statusPageUrl: slow.statusPageUrl, apiHost: 'localhost' },
        deps,
      );
      expect(report.decision.cause).toBe('healthy');
      const requests = slow.requests();
      const independent = requests.filter((r) => r.endpoint !== 'images');
      expect(independent.map((r) => r.endpoint).sort()).toEqual(['legacy', 'statusPage', 'v3']);
      const lastArrival = Math.max(...independent.map((r) => r.arrivedAt));
      const firstResponse = Math.min(...independent.map((r) => r.respondedAt!));
      expect(lastArrival).toBeLessThanOrEqual(firstResponse);
      // The download needs the generate probe's URL, so it alone follows.
      const download = requests.find((r) => r.endpoint === 'images')!;
      expect(download.arrivedAt).toBeGreaterThanOrEqual(firstResponse);
    } finally {
      await slow.stop();
    }
  });

  it('reports a healthy provider with status page, download and DNS', async () => {
    sim.setScenario('healthy');
    const { probes, decision } = await runTriage(ideogramRunbook, { ...target, apiHost: 'localhost' }, deps, {
      probes: fastProbes,
    });
    expect(probes.every((p) => p.ok)).toBe(true);
    expect(byId(probes, P.statusPage).extractedField).toBe('none');
    expect(byId(probes, P.download).detail).toMatch(/downloaded \d+ bytes/);
    expect(
      probes
        .filter((p) => p.billed)
        .map((p) => p.probe)
        .sort(),
    ).toEqual([P.legacy, P.v3].sort());
    expect(decision).toMatchObject({ cause: 'healthy', severity: 'P4' });
  });

  it("spends two billed generate calls: the latency is the legacy call's own recorded time, as evidence", async () => {
    sim.setScenario('healthy');
    sim.reset();
    const { probes } = await runTriage(ideogramRunbook, { ...target, apiHost: 'localhost' }, deps, {
      probes: fastProbes,
    });
    const perEndpoint = Object.fromEntries(
      ['legacy', 'v3', 'statusPage', 'images'].map((e) => [e, sim.requests().filter((r) => r.endpoint === e).length]),
    );
    expect(perEndpoint).toEqual({ legacy: 1, v3: 1, statusPage: 1, images: 1 });
    const legacy = byId(probes, P.legacy);
    expect(byId(probes, P.latency)).toMatchObject({
      ok: true,
      httpStatus: 200,
      billed: false,
      source: 'provider',
      latencyMs: legacy.latencyMs,
    });
    expect(byId(probes, P.latency).detail).toBe(
      `${P.legacy} took ${legacy.latencyMs} ms: ${legacy.detail}`.slice(0, 160),
    );
  });

  it('a failing timed call is the latency evidence too: same status, no second call', async () => {
    sim.setScenario('outage-500');
    sim.reset();
    const { probes, decision } = await runTriage(ideogramRunbook, { ...target, apiHost: 'localhost' }, deps, {
      probes: fastProbes,
    });
    expect(sim.requests().filter((r) => r.endpoint === 'legacy')).toHaveLength(1);
    expect(byId(probes, P.latency)).toMatchObject({
      ok: false,
      httpStatus: 500,
      billed: false,
      latencyMs: byId(probes, P.legacy).latencyMs,
    });
    expect(decision.cause).toBe('provider_outage');
  });

  it('a timing whose call is not in its round says so (evidence about us) and calls nothing', async () => {
    sim.reset();
    const timing = ProbeSpecSchema.parse(fastProbes.find((p) => p.id === P.latency));
    const [result] = await runProbeRound([timing], (spec, extracted) => executeProbe(spec, target, extracted, deps));
    expect(result).toMatchObject({
      probe: P.latency,
      ok: false,
      billed: false,
      source: 'self',
      blocker: `${P.legacy} is not in this round`,
    });
    expect(sim.requests()).toHaveLength(0);
  });

  it.each([
    ['auth-401', 'auth_failure', 'P1'],
    ['credits-402', 'credits_exhausted', 'P1'],
    ['safety-422', 'safety_rejection', 'P3'],
    ['rate-limit-429', 'rate_limited', 'P2'],
    ['outage-500', 'provider_outage', 'P1'],
    ['outage-503', 'provider_outage', 'P1'],
    ['partial-outage', 'partial_outage', 'P2'],
    ['expired-download', 'download_failure', 'P3'],
    ['timeout', 'degraded_performance', 'P2'],
  ])('scenario %s → %s (%s)', async (scenario, cause, severity) => {
    sim.setScenario(scenario);
    const { decision, probes } = await runTriage(ideogramRunbook, { ...target, apiHost: 'localhost' }, deps, {
      probes: fastProbes,
    });
    expect(decision.cause).toBe(cause);
    expect(decision.severity).toBe(severity);
    expect(decision.rationale.length).toBeGreaterThan(20);
    if (scenario === 'timeout') expect(byId(probes, P.legacy).errorKind).toBe('timeout');
    if (scenario === 'expired-download') expect(byId(probes, P.download).httpStatus).toBe(403);
  });

  it('classifies DNS failure from an unresolvable host', async () => {
    const { probes, decision } = await runTriage(
      ideogramRunbook,
      { ...target, baseUrl: `http://${sim.unresolvableHost}:${new URL(sim.baseUrl).port}` },
      deps,
      { probes: fastProbes },
    );
    expect(byId(probes, P.dns)).toMatchObject({ ok: false, errorKind: 'dns' });
    expect(byId(probes, P.legacy).errorKind).toBe('dns');
    expect(decision.cause).toBe('network_dns');
  });

  it.each([
    ['reset', 'reset'],
    ['html', 'bad_body'],
    ['truncated', 'bad_body'],
    ['hang', 'timeout'],
  ] as const)('classifies the %s transport fault as %s', async (fault, kind) => {
    sim.setScenario([{ legacy: { fault, ...(fault === 'html' ? { status: 502 } : {}) } }]);
    const { runProbe } = createProbeActivities(deps);
    const result = (await new MockActivityEnvironment().run(runProbe, { spec: fastProbes[0]!, target })) as ProbeResult;
    expect(result).toMatchObject({ ok: false, errorKind: kind });
  });

  it('classifies a refused connection as connect', async () => {
    const { runProbe } = createProbeActivities(deps);
    const result = await new MockActivityEnvironment().run(runProbe, {
      spec: fastProbes[0]!,
      target: { ...target, baseUrl: 'http://127.0.0.1:1' },
    });
    expect(result).toMatchObject({ ok: false, errorKind: 'connect', httpStatus: null });
  });

  it('never lets the API key into results, details or logs', async () => {
    const entries: LogEntry[] = [];
    const logger = new DefaultLogger('TRACE', (entry) => entries.push(entry));
    sim.setScenario([{ legacy: { status: 401, body: { error: `bad key ${TEST_API_KEY}` } } }]);
    const { runProbe } = createProbeActivities(deps);
    const result = (await new MockActivityEnvironment(undefined, { logger }).run(runProbe, {
      spec: fastProbes[0]!,
      target,
    })) as ProbeResult;
    expect(result.httpStatus).toBe(401);
    expect(result.detail).toContain('[REDACTED]');
    expect(entries.length).toBeGreaterThan(0);
    expect(
      JSON.stringify({ result, entries }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
    ).not.toContain(TEST_API_KEY);
  });

  it('reports an unreadable key as evidence about us (source: self), naming the reference, without calling the provider', async () => {
    sim.setScenario('healthy');
    const before = sim.requests().length;
    const { runProbe } = createProbeActivities({ secrets: { env: {} } });
    const result = (await new MockActivityEnvironment().run(runProbe, { spec: fastProbes[0]!, target })) as ProbeResult;
    expect(result).toMatchObject({ ok: false, source: 'self', httpStatus: null, errorKind: null });
    expect(result.blocker).toMatch(/the worker cannot read env:PROBE_TEST_KEY/);
    expect(sim.requests().length).toBe(before);
  });
});

describe('every probe checks what it got, not just the status code', () => {
  const check = async (phase: Record<string, unknown>) => {
    const sim2 = await startSimulator({ latencyScale: 0, phases: [phase] });
    try {
      return await runTriage(
        ideogramRunbook,
        { ...target, baseUrl: sim2.baseUrl, statusPageUrl: sim2.statusPageUrl, apiHost: 'localhost' },
        deps,
        { probes: fastProbes },
      );
    } finally {
      await sim2.stop();
    }
  };

  it.each([
    [
      'a 200 with an HTML error page',
      { legacy: { fault: 'html', status: 200 }, v3: { fault: 'html', status: 200 } },
      /HTML page instead of JSON/,
    ],
    ['a 200 with a truncated JSON body', { legacy: { fault: 'truncated' }, v3: { fault: 'truncated' } }, /truncated/],
    [
      'a 200 with JSON lacking the image URL',
      { legacy: { body: { created: 'now', data: [] } }, v3: { body: { created: 'now', data: [] } } },
      /lacks data\.0\.url/,
    ],
    ['a 200 with an empty JSON string', { legacy: { body: '' }, v3: { body: '' } }, /lacks data\.0\.url/],
  ])('%s fails both generate endpoints as bad_body: an outage, not healthy', async (_name, phase, detail) => {
    const report = await check(phase);
    for (const id of [P.legacy, P.v3]) {
      expect(byId(report.probes, id)).toMatchObject({ ok: false, errorKind: 'bad_body', source: 'provider' });
      expect(byId(report.probes, id).detail).toMatch(detail);
    }
    expect(report.decision.cause).toBe('provider_outage');
  });

  it('a status page without the indicator is a failed hint, not a green one', async () => {
    const report = await check({ statusPage: { body: { page: { name: 'x' } } } });
    expect(byId(report.probes, P.statusPage)).toMatchObject({ ok: false, errorKind: 'bad_body' });
    expect(report.decision.cause).toBe('healthy');
  });
});

describe("the API key goes only to the service's own host", () => {
  it('a probe naming another host (absolute path, or the status page) is refused before any request carries the key', async () => {
    const seen: Array<{ host: string | undefined; auth: string | undefined }> = [];
    const { createServer } = await import('node:http');
    const other = createServer((req, res) => {
      seen.push({ host: req.headers.host, auth: req.headers['api-key'] as string | undefined });
      res.end('{}');
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const otherUrl = `http://127.0.0.1:${(other.address() as { port: number }).port}`;
    try {
      const target: ProbeTarget = {
        baseUrl: 'http://localhost:9',
        statusPageUrl: `${otherUrl}/status.json`,
        apiKeyRef: { kind: 'env', name: 'PROBE_TEST_KEY' },
      };
      const spec = (over: object) =>
        ProbeSpecSchema.parse({
          kind: 'http',
          id: 'leak',
          description: 'x',
          method: 'GET',
          path: 'v1/x',
          authHeader: 'Api-Key',
          timeoutMs: 2_000,
          ...over,
        });
      const absolute = await executeProbe(spec({ path: `${otherUrl}/steal` }), target, {}, deps);
      const statusPage = await executeProbe(spec({ urlFrom: 'statusPageUrl' }), target, {}, deps);
      for (const result of [absolute, statusPage]) {
        expect(result).toMatchObject({ ok: false, source: 'self' });
        expect(result.detail).toContain(`refused to send env:PROBE_TEST_KEY to 127.0.0.1:`);
        expect(result.detail).toContain('the key goes only to localhost:9');
      }
      expect(seen).toEqual([]);
      // Without a key the same status page is fetched as usual.
      const plain = await executeProbe(
        ProbeSpecSchema.parse({
          kind: 'http',
          id: 'status',
          description: 'x',
          method: 'GET',
          path: '',
          urlFrom: 'statusPageUrl',
          timeoutMs: 2_000,
        }),
        target,
        {},
        deps,
      );
      expect(plain.httpStatus).toBe(200);
      expect(seen).toEqual([{ host: expect.stringContaining('127.0.0.1'), auth: undefined }]);
    } finally {
      await new Promise((r) => other.close(r));
    }
  });
});
