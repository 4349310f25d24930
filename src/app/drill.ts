import { Client } from '@temporalio/client';
import type { RemediationTarget } from '../activities/kubernetes/index.ts';
import { createKubernetesTarget } from '../activities/kubernetes/cluster/index.ts';
import { ConfigError, type AppConfig } from '../config/index.ts';
import { statusQuery, type ApprovalRequest, type IncidentResult, type IncidentStart } from '../contract/index.ts';
import { defaultRunbookId, getRunbook } from '../runbooks/index.ts';
import { runbookTooling } from '../runbooks/tooling/index.ts';
import { builtinScenario, type ScenarioPhase } from '../simulator/index.ts';
import { checkWorkflowBundleConfig } from '../worker/run-worker.ts';
import { OperationFailedError } from './errors.ts';
import { followIncident } from './follow.ts';
import type { IncidentHandle } from './incident-workflow.ts';
import { startIncident } from './incidents.ts';
import { serviceFromConfig } from '../config/service-config.ts';
import { COMPRESSED_TIMINGS } from './drill-timings.ts';
import {
  DRILL_APPROVER,
  DrillTeardown,
  drillApprovals,
  drillTemporalTarget,
  startDrillSimulator,
  startDrillWorker,
  uniqueDrillSuffix,
} from './drill-setup.ts';

export const DRILL_REPORTER = 'drill';
export { DRILL_APPROVER };

export { checkWorkflowBundleConfig, COMPRESSED_TIMINGS };

/**
 * Simulated provider latencies run at 1:20, and every latency threshold with them. A drill's
 * measured latency is the scaled provider time plus this machine's overhead (event loop, HTTP,
 * the worker and simulator sharing a process): up to ~240 ms per call measured on a 2-core machine
 * at load 7-9. At 1:20 the gap between a healthy generate call (8 s at most, 0.4 s scaled) and the
 * 30 s threshold (1.5 s scaled) is 1.1 s, several times that overhead; at 1:100 it would be 220 ms,
 * which overhead alone crosses. Larger scales only make drills slower.
 */
export const DRILL_LATENCY_SCALE = 0.05;

/** The runbook's production thresholds at the simulator's scale: the same rule, in scaled time. */
export function scaledThresholds(
  production: Readonly<Record<string, number>>,
  latencyScale: number,
): Record<string, number> {
  return Object.fromEntries(Object.entries(production).map(([name, value]) => [name, value * latencyScale]));
}

export interface DrillOptions {
  /** The runbook to drill (default: the engine's default runbook). */
  runbook?: string;
  scenario: string;
  phases?: ScenarioPhase[];
  autoApprove: boolean;
  productionTimings: boolean;
  kubeContext?: string;
  dryRun: boolean;
  /** Ask a human on the terminal; `undefined` when not interactive. */
  prompt?: (request: ApprovalRequest) => Promise<'approve' | 'reject' | 'skip'>;
  print: (line: string) => void;
  note: (line: string) => void;
  statusLine?: (text: string | null) => void;
  /** An already built workflow bundle (the dev console builds one for all its drills); else the worker bundles at start. */
  workflowBundleCode?: string;
  /**
   * A built-in scenario whose fault ends after a number of requests keeps failing until
   * `releaseFault()`: people approving in the console need time, and monitoring's real calls would
   * otherwise use the fault up before anyone read the request. Released, the scenario's later
   * phases (its recovery) play.
   */
  holdFault?: boolean;
  /**
   * Start the incident eagerly on the drill's own worker (default). Off for drills others read at
   * once through their own connection (the console): a worker handed its first task eagerly has
   * not been seen polling yet, and the server refuses their queries ("no poller seen") until it has.
   */
  eager?: boolean;
}

export interface DrillReport {
  incidentId: string;
  scenario: string;
  expectedCause: string | null;
  cause: string | null;
  severity: string | null;
  state: string;
  passed: boolean;
  result: IncidentResult;
}

/** A drill's incident, running on its own worker and simulator until `stop()`. */
export interface LaunchedDrill {
  incidentId: string;
  handle: IncidentHandle;
  /** The Temporal address the drill runs on (for the "approve with" hints). */
  address: string;
  /** The scenario's expected cause; null for scenario files. */
  expectedCause: string | null;
  /** Answers a pending approval as `runbook drill` does: auto-approval, the terminal's answer, or none. */
  onApproval(request: ApprovalRequest): Promise<void>;
  /** Stops the drill's worker, simulator (and dev server, if it started one). */
  stop(): Promise<void>;
  /** With `holdFault`: the held fault ends and the scenario's recovery plays; otherwise nothing. */
  releaseFault(): void;
}

/** Starts what is missing (server, worker, simulator), runs one incident, tears it all down. */
export async function runDrill(config: AppConfig, env: NodeJS.ProcessEnv, options: DrillOptions): Promise<DrillReport> {
  const drill = await launchDrill(config, env, options);
  try {
    const result = await followIncident(drill.handle, {
      print: options.print,
      statusLine: options.statusLine,
      onApproval: (request) => drill.onApproval(request),
    });
    const final = result!;
    const expectedCause = drill.expectedCause;
    // A drill passes when the incident ended as it should: fixed (`resolved`) or found to need no fix (`closed`).
    const passed =
      (final.state === 'resolved' || final.state === 'closed') &&
      (expectedCause === null || final.cause === expectedCause);
    return {
      incidentId: drill.incidentId,
      scenario: options.scenario,
      expectedCause,
      cause: final.cause,
      severity: final.severity,
      state: final.state,
      passed,
      result: final,
    };
  } finally {
    await drill.stop();
  }
}

/** The cluster a drill runs against, or a refusal before anything starts (exit 2). */
function kubernetesTargetFor(context: string): RemediationTarget {
  try {
    return createKubernetesTarget({ context });
  } catch (err) {
    throw new ConfigError(
      `--kube-context ${context}: ${(err as Error).message} — point KUBECONFIG at a kubeconfig that has this context`,
    );
  }
}

/**
 * The first half of a drill: simulator, worker (record-only target unless a kube context is
 * given) and the incident, started. Whoever launches it follows the incident and calls `stop()`:
 * `runbook drill` on its terminal, the dev console in the background while people approve in the browser.
 */
export async function launchDrill(
  config: AppConfig,
  env: NodeJS.ProcessEnv,
  options: Omit<DrillOptions, 'print' | 'statusLine'>,
): Promise<LaunchedDrill> {
  const runbook = getRunbook(options.runbook ?? defaultRunbookId());
  const tooling = runbookTooling(runbook.id);
  const scenario = options.phases ? null : builtinScenario(options.scenario, tooling.scenarios);
  const latencyScale = options.productionTimings ? 1 : DRILL_LATENCY_SCALE;
  checkWorkflowBundleConfig(config);
  const cluster = options.kubeContext ? kubernetesTargetFor(options.kubeContext) : undefined;
  const teardown = new DrillTeardown();
  try {
    const { sim, releaseFault } = await startDrillSimulator(runbook.id, scenario, options, latencyScale);
    teardown.add(() => sim.stop());
    const target = await drillTemporalTarget(env, options.note, teardown);
    const service = serviceFromConfig(config, runbook);
    const unresolvable = Boolean(scenario?.unresolvableHost || options.phases?.some((p) => p.dns === 'fail'));
    const setup = { config, env, options, runbook, service, sim, unresolvable, cluster, target };
    const { connection, taskQueue } = await startDrillWorker(setup, teardown);
    const { address } = target.connectionOptions;
    // The client shares the worker's NativeConnection, so the incident starts eagerly: the server
    // hands its first workflow task straight back to this worker instead of queueing it.
    const client = new Client({ connection, namespace: target.namespace });
    const input = drillIncidentStart(options, service.name, tooling.drill.decisionThresholds, latencyScale);
    const incidentId = drillIncidentId(options.scenario);
    const handle = await startIncident(client, taskQueue, input, incidentId, { eager: options.eager ?? true });
    options.note(`Incident ${incidentId} opened (scenario ${options.scenario})`);
    await firstAnswer(handle, taskQueue);
    return {
      incidentId,
      handle,
      address,
      expectedCause: scenario?.expectedCause ?? null,
      onApproval: drillApprovals(handle, tooling.drill, options, env, address),
      stop: () => teardown.run(),
      releaseFault,
    };
  } catch (err) {
    await teardown.run();
    throw err;
  }
}

/** The drill's incident: compressed timings unless production's, thresholds at the simulator's scale. */
function drillIncidentStart(
  options: Pick<DrillOptions, 'scenario' | 'productionTimings'>,
  service: string,
  decisionThresholds: Readonly<Record<string, number>>,
  latencyScale: number,
): IncidentStart {
  return {
    trigger: 'drill',
    reporter: DRILL_REPORTER,
    symptom: `drill: ${options.scenario}`,
    service,
    decisionThresholds: scaledThresholds(decisionThresholds, latencyScale),
    drill: true,
    ...(options.productionTimings ? {} : { timings: COMPRESSED_TIMINGS }),
  };
}

function drillIncidentId(scenario: string): string {
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  return `incident-${day}-drill-${scenario.replace(/[^a-z0-9]+/gi, '-')}-${uniqueDrillSuffix()}`;
}

/**
 * Waits until the drill's new worker answers a query about its incident: until the server has seen
 * it poll, queries are refused ("no poller seen"), and whoever follows the incident (the console's
 * page, at once) reads it by queries.
 */
async function firstAnswer(handle: IncidentHandle, taskQueue: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await handle.query(statusQuery);
      return;
    } catch (err) {
      if (Date.now() > deadline)
        throw new OperationFailedError(
          `the drill's worker (task queue ${taskQueue}) did not answer within 30 s: ${(err as Error).message}`,
          { cause: err },
        );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
