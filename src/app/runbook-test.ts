/**
 * `runbook test RUNBOOK`: every scenario a runbook declares, run as a drill (auto-approved,
 * compressed time, record-only target), and whether each ended as it must. One Temporal dev
 * server (unless one is configured) and one workflow bundle serve all of them.
 */
import type { AppConfig } from '../config/index.ts';
import { startDevServer } from '../infra/dev-server.ts';
import { temporalAddressConfigured } from '../infra/temporal-connection.ts';
import { bundleIncidentWorkflows } from '../infra/workflow-bundle.ts';
import { getRunbook } from '../runbooks/index.ts';
import { configuredWorkflowBundle } from '../worker/run-worker.ts';
import { runDrill } from './drill.ts';

export interface ScenarioOutcome {
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

export async function testRunbook(
  config: AppConfig,
  env: NodeJS.ProcessEnv,
  options: {
    runbook: string;
    scenarios?: string[];
    note: (line: string) => void;
    progress: (outcome: ScenarioOutcome) => void;
  },
): Promise<ScenarioOutcome[]> {
  const runbook = getRunbook(options.runbook);
  const names = options.scenarios ?? Object.keys(runbook.tooling.scenarios);
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
    const outcomes: ScenarioOutcome[] = [];
    for (const scenario of names) {
      const expectedCause = runbook.tooling.scenarios[scenario]!.expectedCause;
      const started = performance.now();
      let outcome: ScenarioOutcome;
      try {
        const report = await runDrill(config, drillEnv, {
          runbook: runbook.id,
          scenario,
          autoApprove: true,
          productionTimings: false,
          dryRun: false,
          print: () => undefined,
          note: options.note,
          workflowBundleCode,
        });
        outcome = {
          scenario,
          expectedCause,
          cause: report.cause,
          severity: report.severity,
          state: report.state,
          passed: report.passed,
          seconds: 0,
        };
      } catch (err) {
        outcome = {
          scenario,
          expectedCause,
          cause: null,
          severity: null,
          state: 'error',
          passed: false,
          seconds: 0,
          error: (err as Error).message,
        };
      }
      outcome.seconds = Math.round((performance.now() - started) / 100) / 10;
      options.progress(outcome);
      outcomes.push(outcome);
    }
    return outcomes;
  } finally {
    await server?.stop();
  }
}
