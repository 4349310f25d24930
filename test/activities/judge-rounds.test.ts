import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { guardWithCatalog, ServiceCatalog } from '../../src/activities/catalog.ts';
import { createProbeActivities } from '../../src/activities/probes/index.ts';
import { createJudgeActivities, type RoundRunner } from '../../src/activities/probes/judge.ts';
import {
  BUDGET_SPENT,
  CatalogEntrySchema,
  type JudgeRoundsRequest,
  type JudgeRoundsResult,
} from '../../src/contract/index.ts';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.ts';
import { catalogFor, simulatorService } from '../support/catalog.ts';
import { TEST_API_KEY } from '../support/simulator.ts';

const KEY_ENV = 'JUDGE_ROUNDS_KEY';
let sim: RunningSimulator;
let runProbes: RoundRunner;

beforeAll(async () => {
  // Down for good: every round sees the same outage, however many requests the test makes.
  sim = await startSimulator({
    phases: [{ name: 'down', legacy: { status: 500 }, v3: { status: 500 }, statusPage: { indicator: 'major' } }],
    latencyScale: 0,
  });
  const { entry } = catalogFor({
    trigger: 'manual',
    reporter: 'test',
    symptom: 'judge',
    service: simulatorService(sim, KEY_ENV),
  });
  const catalog = new ServiceCatalog([CatalogEntrySchema.parse(entry)]);
  const refuse = () => Promise.reject(new Error('no cluster in this test'));
  const guarded = guardWithCatalog(catalog, {
    ...createProbeActivities({ secrets: { env: { [KEY_ENV]: TEST_API_KEY } } }),
    applyMutation: refuse,
    revertMutation: refuse,
  });
  runProbes = (req) => guarded.runProbes(req);
});
afterAll(() => sim.stop());

const request = (overrides: Partial<JudgeRoundsRequest> = {}): JudgeRoundsRequest => ({
  runbook: 'ideogram',
  service: 'ideogram-service',
  history: [],
  confirmRounds: 2,
  confirmIntervalMs: 10,
  billedAllowance: 100,
  ...overrides,
});

const billedAtProvider = () => sim.requests().filter((r) => r.endpoint === 'legacy' || r.endpoint === 'v3').length;
const judge = (runner: RoundRunner, req: JudgeRoundsRequest, env = new MockActivityEnvironment()) =>
  env.run(createJudgeActivities({ runProbes: runner }).judgeRounds, req) as Promise<JudgeRoundsResult>;
const charged = (r: JudgeRoundsResult) => r.triage.charged + r.confirmations.reduce((n, c) => n + c.charged, 0);

describe('judgeRounds: the triage and its confirmation rounds as one activity (simulator)', () => {
  it('a sustained outage: the triage, then re-checks until two agree, each round charged for the billed calls it sent', async () => {
    sim.reset();
    const result = await judge(runProbes, request());
    expect(result.confirmations).toHaveLength(2);
    expect(result.confirmations.every((r) => r.results.every((p) => p.httpStatus === 500))).toBe(true);
    expect(Date.parse(result.confirmations[1]!.at) - Date.parse(result.confirmations[0]!.at)).toBeGreaterThanOrEqual(
      10,
    );
    expect(charged(result)).toBe(6);
    expect(billedAtProvider()).toBe(6);
  });

  it('a retry resumes after the rounds the failed attempt heartbeated: the triage is not sent again, and every billed call is charged once', async () => {
    sim.reset();
    // The first attempt dies after its first confirmation round reached the provider, before it could report it.
    let rounds = 0;
    const dying: RoundRunner = async (req) => {
      const results = await runProbes(req);
      rounds += 1;
      if (rounds === 2) throw new Error('the worker was lost');
      return results;
    };
    const first = new MockActivityEnvironment({ attempt: 1 });
    let details: unknown;
    first.on('heartbeat', (d: unknown) => (details = d));
    await expect(judge(dying, request(), first)).rejects.toThrow('the worker was lost');
    expect(details).toMatchObject({ triage: { charged: 2 }, confirmations: [] });
    const beforeRetry = billedAtProvider();
    expect(beforeRetry).toBe(4);

    const result = await judge(
      runProbes,
      request(),
      new MockActivityEnvironment({ attempt: 2, heartbeatDetails: details }),
    );
    expect(result.triage).toEqual((details as JudgeRoundsResult).triage);
    expect(result.confirmations).toHaveLength(2);
    // Sent again: only the two confirmation rounds (the lost one among them); the triage's two calls were not.
    expect(billedAtProvider() - beforeRetry).toBe(4);
    // The result is what the ledger charges: the triage once and each recorded round once.
    expect(charged(result)).toBe(6);
  });

  it('never sends a billed call the budget cannot pay: the refused probes say so, and a round with none of its decisive probes sent stops confirmation', async () => {
    sim.reset();
    const result = await judge(runProbes, request({ billedAllowance: 3 }));
    expect(charged(result), JSON.stringify(result)).toBe(3);
    expect(billedAtProvider()).toBe(3);
    const refused = result.confirmations.flatMap((r) => r.results).filter((p) => p.blocker === BUDGET_SPENT);
    expect(refused.length).toBeGreaterThanOrEqual(2);
    expect(result.confirmations.at(-1)!.results.every((p) => p.blocker === BUDGET_SPENT)).toBe(true);
  });
});
