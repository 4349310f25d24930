import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from 'undici';
import { runTriage } from '../../src/activities/probes/index.ts';
import type { ProbeSpecInput, ProbeTarget } from '../../src/contract/index.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import {
  IDEOGRAM_PROBE_IDS as P,
  ideogramDocument,
  ideogramRunbook as ideogram,
  ideogramTooling,
} from '../support/ideogram.ts';
import { TEST_API_KEY } from '../support/simulator.ts';

/** Drills compress time: latencies and the P95 threshold shrink by the same factor. */
const LATENCY_SCALE = 0.01;
const ideogramRunbook = ideogram();
const SCENARIOS = ideogramTooling().scenarios;
const expectedCause = (scenario: string) => SCENARIOS[scenario]!.expectedCause;
const classifyContext = { thresholds: { slowP95Ms: ideogramDocument().thresholds.slowP95Ms! * LATENCY_SCALE } };
const deps = { secrets: { env: { PROBE_TEST_KEY: TEST_API_KEY } } };
const probes: ProbeSpecInput[] = ideogramRunbook.triageProbes.map((p) => ({ ...p, timeoutMs: 1_000 }));

let sim: RunningSimulator;
let target: ProbeTarget;
beforeAll(async () => {
  sim = await startSimulator({ latencyScale: LATENCY_SCALE });
  target = {
    baseUrl: sim.baseUrl,
    statusPageUrl: sim.statusPageUrl,
    apiHost: 'localhost',
    apiKeyRef: { kind: 'env', name: 'PROBE_TEST_KEY' },
  };
});
afterAll(() => sim.stop());

function targetFor(scenario: string): ProbeTarget {
  if (!SCENARIOS[scenario]!.unresolvableHost) return target;
  return {
    ...target,
    baseUrl: `http://${sim.unresolvableHost}:${new URL(sim.baseUrl).port}`,
    apiHost: sim.unresolvableHost,
  };
}

describe('every built-in scenario leads triage to its expectedCause', () => {
  it.each(Object.keys(SCENARIOS))('%s', async (scenario) => {
    sim.setScenario(scenario);
    const { decision } = await runTriage(ideogramRunbook, targetFor(scenario), deps, { probes, classifyContext });
    expect(decision.cause).toBe(expectedCause(scenario));
  });

  it.each(['outage-500', 'outage-503', 'auth-401', 'credits-402', 'rate-limit-429'])(
    '%s recovers after its fault phase, so a drill can end resolved',
    async (scenario) => {
      sim.setScenario(scenario);
      const causes: string[] = [];
      // Bounded: every built-in fault phase lasts at most 10 requests, and a round sends at least 2
      // (lean rounds: the latency is read from the legacy call); a round across the phase boundary
      // may see one endpoint recovered before the other.
      for (let round = 0; round < 12 && causes.at(-1) !== 'healthy'; round += 1) {
        causes.push((await runTriage(ideogramRunbook, target, deps, { probes, classifyContext })).decision.cause);
      }
      expect(causes[0]).toBe(expectedCause(scenario));
      expect(causes.at(-1)).toBe('healthy');
    },
  );
});

describe('scenario-file DNS phases through the simulated resolver', () => {
  it('fails DNS while the phase says dns: "fail", then resolves again', async () => {
    let clock = 0;
    const dnsSim = await startSimulator({
      latencyScale: 0,
      now: () => clock,
      phases: [{ name: 'dns-down', durationMs: 60_000, dns: 'fail' }, { name: 'dns-back' }],
    });
    const dispatcher = new Agent({ connect: { lookup: dnsSim.nodeLookup } });
    try {
      const host = 'api.ideogram.test';
      const port = new URL(dnsSim.baseUrl).port;
      const dnsTarget: ProbeTarget = {
        ...target,
        baseUrl: `http://${host}:${port}`,
        statusPageUrl: `http://${host}:${port}/api/v2/status.json`,
        apiHost: host,
      };
      const dnsDeps = { ...deps, dnsLookup: dnsSim.lookup, dispatcher };

      const down = await runTriage(ideogramRunbook, dnsTarget, dnsDeps, { probes });
      expect(down.decision.cause).toBe('network_dns');
      expect(down.probes.find((p) => p.probe === P.dns)).toMatchObject({ ok: false, errorKind: 'dns' });
      expect(down.probes.find((p) => p.probe === P.legacy)).toMatchObject({ ok: false, errorKind: 'dns' });
      expect(dnsSim.requests()).toHaveLength(0);

      clock = 60_000;
      const up = await runTriage(ideogramRunbook, dnsTarget, dnsDeps, { probes });
      expect(up.decision.cause).toBe('healthy');
      expect(up.probes.find((p) => p.probe === P.dns)!.detail).toBe(`${host} → 127.0.0.1`);
      // Image URLs name the host the client used, so downloads work behind service names too.
      expect(up.probes.find((p) => p.probe === P.legacy)!.extractedUrl).toMatch(
        new RegExp(`^http://${host}:${port}/images/`),
      );
      expect(up.probes.find((p) => p.probe === P.download)).toMatchObject({ ok: true, httpStatus: 200 });
    } finally {
      await dispatcher.close();
      await dnsSim.stop();
    }
  });
});
