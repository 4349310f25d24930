/**
 * `runbook test RUNBOOK…`: every scenario the runbooks declare, run as a drill (auto-approved,
 * compressed time, record-only target), and whether each ended as it must. One Temporal dev
 * server (unless one is configured) and one workflow bundle serve all of them; with a concurrency
 * above one, that many drills run at once (each with its own worker, task queue and simulator).
 */
import type { AppConfig } from '../config/index.ts';
import { startDevServer } from '../infra/dev-server.ts';
import { temporalAddressConfigured } from '../infra/temporal-connection.ts';
import { bundleIncidentWorkflows } from '../infra/workflow-bundle.ts';
import { runbookTooling } from '../runbooks/tooling/index.ts';
import { configuredWorkflowBundle } from '../worker/run-worker.ts';
import { runDrill } from './drill.ts';

export interface ScenarioOutcome {
  runbook: string;
  scenario: string;
  expectedCause: string;
  cause: string | null;
  severity: string | null;
  state: string;
  passed: boolean;
  seconds: number;
  /** Set when the drill itself could not run. */
  error?: string;
}

type Drill = (runbook: string, scenario: string) => Promise<Omit<ScenarioOutcome, 'seconds'>>;

async function timed(drill: Drill, runbook: string, scenario: string): Promise<ScenarioOutcome> {
  const started = performance.now();
  const outcome = await drill(runbook, scenario);
  return { ...outcome, seconds: Math.round((performance.now() - started) / 100) / 10 };
}

export async function testRunbooks(
  config: AppConfig,
  env: NodeJS.ProcessEnv,
  options: {
    runbooks: Array<{ runbook: string; scenarios?: string[] }>;
    /** Drills run at once (default one). */
    concurrency?: number;
    note: (line: string) => void;
    progress: (outcome: ScenarioOutcome) => void;
  },
): Promise<ScenarioOutcome[]> {
  const queue = options.runbooks.flatMap(({ runbook, scenarios }) =>
    (scenarios ?? Object.keys(runbookTooling(runbook).scenarios)).map((scenario) => ({ runbook, scenario })),
  );
  const server = temporalAddressConfigured(env) ? undefined : await startDevServer({ uiPort: null });
  try {
    const drillEnv = server ? { ...env, TEMPORAL_ADDRESS: server.address } : env;
    // The bundler's progress is noise here; its warnings and errors are not.
    const drop = () => undefined;
    const tell = (message: string) => options.note(`workflow bundler: ${message}`);
    const workflowBundleCode =
      (await configuredWorkflowBundle(config)) ??
      (await bundleIncidentWorkflows({
        logger: { trace: drop, debug: drop, info: drop, log: drop, warn: tell, error: tell },
      }));
    const drill: Drill = async (runbook, scenario) => {
      const expectedCause = runbookTooling(runbook).scenarios[scenario]!.expectedCause;
      try {
        const report = await runDrill(config, drillEnv, {
          runbook,
          scenario,
          autoApprove: true,
          productionTimings: false,
          dryRun: false,
          print: () => undefined,
          note: options.note,
          workflowBundleCode,
        });
        const { cause, severity, state, passed } = report;
        return { runbook, scenario, expectedCause, cause, severity, state, passed };
      } catch (err) {
        const failed = { cause: null, severity: null, state: 'error', passed: false, error: (err as Error).message };
        return { runbook, scenario, expectedCause, ...failed };
      }
    };
    const outcomes: ScenarioOutcome[] = new Array(queue.length);
    let next = 0;
    const lane = async () => {
      while (next < queue.length) {
        const i = next++;
        outcomes[i] = await timed(drill, queue[i]!.runbook, queue[i]!.scenario);
        options.progress(outcomes[i]);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 1, queue.length)) }, lane));
    return outcomes;
  } finally {
    await server?.stop();
  }
}
