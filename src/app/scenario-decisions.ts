/**
 * The decision diff over a document's own scenarios: each scenario's first round, made by the new
 * text's triage probes against its simulator (compressed time, as drills run), read by the runbook
 * this engine has registered under that id and by the new text. Only the triage decision: how
 * confirmation and the plan end is what `runbook test` runs.
 */
import type { RunbookDocumentPin } from '../contract/index.ts';
import type { RunbookDocument } from '../runbooks/documents/schema.ts';
import { compileDocumentTooling, runbookTooling } from '../runbooks/tooling/index.ts';
import { runTriage } from '../activities/probes/index.ts';
import { builtinScenario, startSimulator } from '../simulator/index.ts';
import { differences, replayRound, type DecisionTable, type Reading } from './decision-replay.ts';
import { documentTable, registeredTable } from './diff-decisions.ts';
import { COMPRESSED_TIMINGS } from './drill-timings.ts';
import { DRILL_LATENCY_SCALE, scaledThresholds } from './drill.ts';

export interface ScenarioDiff {
  scenario: string;
  /** What the scenario declares the incident ends as. */
  expectedCause: string;
  before: Reading | null;
  after: Reading | null;
  differences: Array<'cause' | 'severity' | 'plan'>;
}

const KEY_ENV = 'DIFF_DECISIONS_SIMULATOR_KEY';

export async function diffScenarios(
  pin: RunbookDocumentPin,
): Promise<{ registered: string | null; scenarios: ScenarioDiff[] }> {
  const after = documentTable(pin);
  const before = registeredTable(pin.id);
  const tooling = compileDocumentTooling(pin.document as RunbookDocument);
  // The registered runbook's own thresholds judge its reading, the new text's judge the new one.
  const thresholdsOf = (table: DecisionTable) =>
    (table === after ? tooling : runbookTooling(pin.id)).drill.decisionThresholds;
  const names = Object.keys(tooling.scenarios);
  const sim = await startSimulator({ tooling, scenario: names[0], latencyScale: DRILL_LATENCY_SCALE });
  try {
    const probes = after.runbook.triageProbes.map((p) => ({
      ...p,
      timeoutMs: Math.min(p.timeoutMs, COMPRESSED_TIMINGS.probeTimeoutMs),
    }));
    const scenarios: ScenarioDiff[] = [];
    for (const name of names) {
      const scenario = builtinScenario(name, tooling.scenarios);
      sim.setScenario(name);
      const unresolvable = scenario.unresolvableHost || scenario.phases.some((p) => p.dns === 'fail');
      const port = new URL(sim.baseUrl).port;
      const { probes: results } = await runTriage(
        after.runbook,
        {
          baseUrl: unresolvable ? `http://${sim.unresolvableHost}:${port}` : sim.baseUrl,
          statusPageUrl: sim.statusPageUrl,
          apiHost: unresolvable ? sim.unresolvableHost : 'localhost',
          apiKeyRef: { kind: 'env', name: KEY_ENV },
        },
        { secrets: { env: { [KEY_ENV]: 'diff-decisions-simulator-key' } } },
        { probes },
      );
      const read = (table: DecisionTable | null) =>
        table &&
        replayRound(table, results, {
          thresholds: scaledThresholds(thresholdsOf(table), DRILL_LATENCY_SCALE),
        });
      const old = read(before);
      const now = read(after);
      scenarios.push({
        scenario: name,
        expectedCause: scenario.expectedCause,
        before: old,
        after: now,
        differences: before ? differences(old, now) : [],
      });
    }
    return { registered: before?.label ?? null, scenarios };
  } finally {
    await sim.stop();
  }
}
