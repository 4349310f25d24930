import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { runDrillCli, type DrillJson } from '../support/drill.ts';

const scenario = (name: string) => fileURLToPath(new URL(`./scenarios/${name}.json`, import.meta.url));

/** Drills run at once: each mostly waits on its compressed outage, so two overlap well on two cores. */
const AT_ONCE = 2;
let running = 0;
const waiting: Array<() => void> = [];
async function inTurn<T>(run: () => Promise<T>): Promise<T> {
  if (running >= AT_ONCE) await new Promise<void>((resolve) => waiting.push(resolve));
  running += 1;
  try {
    return await run();
  } finally {
    running -= 1;
    waiting.shift()?.();
  }
}

/** Each scenario is drilled once; the tests that look at it from another side share its run. */
const drilled = new Map<string, ReturnType<typeof runDrillCli>>();
const drill = (name: string) => {
  if (!drilled.has(name))
    drilled.set(
      name,
      inTurn(() => runDrillCli(['--scenario-file', scenario(name)])),
    );
  return drilled.get(name)!;
};

interface Expectation {
  cause: string;
  /** The sequence of causes when the incident changed nature. */
  causes?: string[];
  /** Whether the drill must have changed anything at all. */
  mutates: boolean;
}

/** Messy outages, each a scenario file in test/drill/scenarios, with what the engine must conclude. */
const CORPUS: Array<[string, Expectation]> = [
  ['status-green-while-failing', { cause: 'provider_outage', mutates: true }],
  ['status-lags-recovery', { cause: 'provider_outage', mutates: true }],
  ['status-red-while-healthy', { cause: 'healthy', mutates: false }],
  ['flapping-three-times', { cause: 'provider_outage', mutates: true }],
  ['worsening-429-to-500', { cause: 'provider_outage', causes: ['rate_limited', 'provider_outage'], mutates: true }],
  ['partial-recovery', { cause: 'provider_outage', causes: ['provider_outage'], mutates: true }],
  ['transport-resets', { cause: 'provider_outage', mutates: true }],
  ['html-error-pages', { cause: 'provider_outage', mutates: true }],
  ['truncated-bodies', { cause: 'provider_outage', mutates: true }],
  ['daily-credits-limit', { cause: 'credits_exhausted', mutates: true }],
  ['single-429-blip', { cause: 'healthy', mutates: false }],
];

const fallbackOn = (json: DrillJson) => json.mutations.filter((m) => /^enable-fallback(-\d+)?$/.test(m.step));
const relapses = (json: DrillJson) =>
  json.timeline.filter((e) => e.kind === 'escalation' && e.message.startsWith('genuine relapse')).length;

describe('scenario corpus: messy outages as drills (real processes, simulator, record-only target)', () => {
  // Queued in the order the tests read them, so each test's drill is done or under way when it starts.
  beforeAll(() => {
    for (const name of [...CORPUS.map(([n]) => n), 'slower-than-production-threshold'])
      drill(name).catch(() => undefined); // each test awaits and reports its own drill's failure
  });

  it.each(CORPUS)('%s', async (name, expected) => {
    const { code, json, stderr } = await drill(name);
    expect(code, stderr.slice(-2_000)).toBe(0);
    expect(json!.state).toBe(expected.mutates ? 'resolved' : 'closed');
    expect(json!.cause).toBe(expected.cause);
    if (expected.causes) expect(json!.causes.map((c) => c.cause)).toEqual(expected.causes);
    expect(json!.causes.at(-1)!.cause).toBe(json!.cause);

    // Every change reverted, or deliberately kept with a reason; restarts are not state to restore.
    const changes = json!.mutations.filter((m) => !m.change.startsWith('restartedAt'));
    expect(changes.length > 0).toBe(expected.mutates);
    for (const m of changes)
      expect(m.revertedAt !== null || (m.keptBecause ?? '').length > 0, `${m.step} neither reverted nor kept`).toBe(
        true,
      );

    // No more fallback flips than genuine relapses: on once, and once more per confirmed relapse.
    expect(fallbackOn(json!).length).toBeLessThanOrEqual(1 + relapses(json!));

    // Recovery is judged by real calls: fallback came off only after N consecutive real successes.
    const offAt = json!.timeline.findIndex((e) => e.kind === 'reverted' && e.message.includes('IDEOGRAM_FALLBACK'));
    if (offAt >= 0) {
      const before = json!.timeline.slice(0, offAt).filter((e) => e.message.startsWith('real check'));
      expect(before.at(-1)?.message ?? '', 'the last real check before fallback-off').toMatch(
        /healthy 3\/3|healthy [4-9]/,
      );
    }
  });

  it('a status page that never turns green cannot hold recovery back: the drill resolves while it still says major', async () => {
    const { json } = await drill('status-lags-recovery');
    const hints = json!.timeline.filter((e) => e.message.startsWith('hint status_page'));
    expect(hints.every((e) => !e.message.endsWith('→ none'))).toBe(true);
    expect(json!.timeline.some((e) => e.kind === 'reverted' && e.message.includes('IDEOGRAM_FALLBACK'))).toBe(true);
  });

  it('one round of 429s changes nothing: the re-checks do not confirm it, and the timeline says so', async () => {
    const { json } = await drill('single-429-blip');
    expect(json!.mutations).toEqual([]);
    expect(json!.timeline.some((e) => e.message.startsWith('Not sustained as rate_limited'))).toBe(true);
  });

  it("a provider answering in 36-45 s (over production's 30 s P95, under 50 s) is degraded_performance, P2, as in production", async () => {
    const { code, json, stderr } = await drill('slower-than-production-threshold');
    expect(code, stderr.slice(-2_000)).toBe(0);
    expect(json).toMatchObject({ cause: 'degraded_performance', severity: 'P2', mutations: [] });
    // Judged by the latency row (calls succeed, slowly), not by timeouts.
    expect(json!.causes[0]!.why).toMatch(/P95 generate latency/);
  });

  it('a scenario whose last phase fails forever is refused with the JSON path, before anything starts', async () => {
    const run = await runCli(['drill', '--scenario-file', scenario('never-ends'), '--auto-approve', '--json']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('$[1].legacy.status: 503');
    expect(run.stderr).toContain('$[1].v3.status: 503');
    expect(run.stderr).toContain('End the scenario with a recovery phase');
    expect(run.stdout).toBe('');
  });
});
