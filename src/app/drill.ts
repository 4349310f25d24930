import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { Client } from '@temporalio/client';
import { RecordOnlyTarget, type RemediationTarget } from '../activities/kubernetes/index.ts';
import { createKubernetesTarget } from '../activities/kubernetes/cluster/index.ts';
import { ConfigError, postmortemDir, type AppConfig } from '../config/index.ts';
import { ServiceCatalog } from '../activities/catalog.ts';
import {
  ApprovalPolicySchema,
  approveSignal,
  provideSecretRefSignal,
  rejectSignal,
  statusQuery,
  type ApprovalRequest,
  type IncidentResult,
  type IncidentStart,
} from '../contract/index.ts';
import { startDevServer, type DevServer } from '../infra/dev-server.ts';
import { loadTemporalTarget, temporalAddressConfigured } from '../infra/temporal-connection.ts';
import { defaultRunbookId, getRunbook } from '../runbooks/index.ts';
import { builtinScenario, startSimulator, type ScenarioPhase } from '../simulator/index.ts';
import { createIncidentWorker } from '../worker/create-worker.ts';
import { checkWorkflowBundleConfig, configuredWorkflowBundle } from '../worker/run-worker.ts';
import { activityDepsFromConfig } from '../worker/deps.ts';
import { OperationFailedError } from './errors.ts';
import { followIncident } from './follow.ts';
import type { IncidentHandle } from './incident-workflow.ts';
import { startIncident } from './incidents.ts';
import { serviceFromConfig } from '../config/service-config.ts';
import { COMPRESSED_TIMINGS } from './drill-timings.ts';

export const DRILL_APPROVER = 'drill-auto';
export const DRILL_REPORTER = 'drill';
const DRILL_NEW_KEY_ENV = 'RUNBOOK_DRILL_NEW_KEY';

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
  /** The runbook to drill (default: the first registered). */
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
  const drill = runbook.tooling.drill;
  const scenario = options.phases ? null : builtinScenario(options.scenario, runbook.tooling.scenarios);
  const latencyScale = options.productionTimings ? 1 : DRILL_LATENCY_SCALE;
  checkWorkflowBundleConfig(config);
  const cluster = options.kubeContext ? kubernetesTargetFor(options.kubeContext) : undefined;
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const [fault, ...recovery] = scenario?.phases ?? [];
    let held = options.holdFault && fault?.requests !== undefined && recovery.length > 0;
    const lasting = held
      ? [Object.fromEntries(Object.entries(fault!).filter(([key]) => key !== 'requests'))]
      : undefined;
    const sim = await startSimulator({
      runbook: runbook.id,
      scenario: options.phases || lasting ? undefined : options.scenario,
      phases: options.phases ?? lasting,
      latencyScale,
    });
    const releaseFault = () => {
      if (!held) return;
      held = false;
      sim.setScenario(recovery);
      options.note(`scenario ${options.scenario}: the fault ends now that a person decided`);
    };
    cleanups.push(() => sim.stop());
    let server: DevServer | undefined;
    if (!temporalAddressConfigured(env)) {
      server = await startDevServer({ uiPort: null });
      cleanups.push(() => server!.stop());
      options.note(`Temporal dev server for this drill: ${server.address}`);
    }
    const target = loadTemporalTarget(server ? { ...env, TEMPORAL_ADDRESS: server.address } : env);

    const workerEnv = { ...env };
    if (!workerEnv[drill.keyEnv]) {
      workerEnv[drill.keyEnv] = 'drill-simulator-key';
      options.note(`${drill.keyEnv} is not set: using a placeholder key the simulator accepts`);
    }
    workerEnv[DRILL_NEW_KEY_ENV] ??= 'drill-rotated-key';
    const service = serviceFromConfig(config, runbook);
    const remediationTarget: RemediationTarget =
      cluster ??
      new RecordOnlyTarget({
        seed: [
          {
            namespace: service.kubernetes.namespace,
            deployment: service.kubernetes.deployment,
            ...drill.seed(service),
          },
        ],
      });
    // The drill's own worker knows one service: the simulator, under the configured service's name.
    const unresolvable = scenario?.unresolvableHost || options.phases?.some((p) => p.dns === 'fail');
    const port = new URL(sim.baseUrl).port;
    const { name: serviceName, ...configured } = service;
    const catalog = new ServiceCatalog([
      {
        name: serviceName,
        runbook: runbook.id,
        target: {
          ...configured,
          baseUrl: unresolvable ? `http://${sim.unresolvableHost}:${port}` : sim.baseUrl,
          statusPageUrl: sim.statusPageUrl,
          apiHost: unresolvable ? sim.unresolvableHost : 'localhost',
          apiKeyRef: { kind: 'env', name: drill.keyEnv },
          settings: { ...configured.settings, ...(options.productionTimings ? {} : drill.compressedSettings) },
        },
        policy: ApprovalPolicySchema.parse({
          dryRun: options.dryRun,
          timeoutMs: options.productionTimings ? 30 * 60_000 : 10 * 60_000,
        }),
        // Compressed time makes an hour's worth of real calls in a minute.
        ...(options.productionTimings ? {} : { billedProbesPerHour: 100_000 }),
        allowedSecretRefs: [`env:${DRILL_NEW_KEY_ENV}`],
      },
    ]);
    const deps = activityDepsFromConfig(
      {
        ...config,
        RUNBOOK_NOTIFY_FILE:
          config.RUNBOOK_NOTIFY_FILE ?? join(config.RUNBOOK_DATA_DIR, 'drills', 'notifications.jsonl'),
      },
      workerEnv,
      remediationTarget,
      catalog,
    );
    // Unique even for drills started in the same millisecond (`runbook test --concurrency`).
    const unique = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
    const taskQueue = `drill-${unique}`;
    const workerConnection = await NativeConnection.connect(target.connectionOptions);
    cleanups.push(() => workerConnection.close());
    const worker = await createIncidentWorker({
      connection: workerConnection,
      namespace: target.namespace,
      taskQueue,
      deps: { ...deps, postmortem: { postmortemDir: postmortemDir(config) } },
      // The reviewed bundle a production worker runs (RUNBOOK_WORKFLOW_BUNDLE) is the one drilled.
      workflowBundleCode: options.workflowBundleCode ?? (await configuredWorkflowBundle(config)),
    });
    const running = worker.run();
    cleanups.push(async () => {
      worker.shutdown();
      await running;
    });

    const { address } = target.connectionOptions;
    // The client shares the worker's NativeConnection, so the incident starts eagerly: the server
    // hands its first workflow task straight back to this worker instead of queueing it.
    const client = new Client({ connection: workerConnection, namespace: target.namespace });

    const input: IncidentStart = {
      trigger: 'drill',
      reporter: DRILL_REPORTER,
      symptom: `drill: ${options.scenario}`,
      service: serviceName,
      decisionThresholds: scaledThresholds(drill.decisionThresholds, latencyScale),
      drill: true,
      ...(options.productionTimings ? {} : { timings: COMPRESSED_TIMINGS }),
    };
    const incidentId = `incident-${new Date().toISOString().slice(0, 10).replaceAll('-', '')}-drill-${options.scenario.replace(/[^a-z0-9]+/gi, '-')}-${unique}`;
    const handle = await startIncident(client, taskQueue, input, incidentId, { eager: options.eager ?? true });
    options.note(`Incident ${incidentId} opened (scenario ${options.scenario})`);
    await firstAnswer(handle, taskQueue);

    const onApproval = async (request: ApprovalRequest) => {
      if (options.autoApprove) {
        if (drill.secretSteps.includes(request.stepId)) {
          await handle.signal(provideSecretRefSignal, {
            by: DRILL_APPROVER,
            stepId: request.stepId,
            ref: { kind: 'env', name: DRILL_NEW_KEY_ENV },
          });
        } else {
          await handle.signal(approveSignal, {
            stepId: request.stepId,
            by: DRILL_APPROVER,
            comment: 'drill auto-approval',
          });
        }
        return;
      }
      const answer = options.prompt ? await options.prompt(request) : 'skip';
      if (answer === 'skip') {
        options.note(`Waiting for ${request.stepId}: ${request.approveCommand} (Temporal at ${address})`);
        return;
      }
      if (drill.secretSteps.includes(request.stepId)) {
        if (answer === 'approve')
          await handle.signal(provideSecretRefSignal, {
            by: env.USER ?? 'operator',
            stepId: request.stepId,
            ref: { kind: 'env', name: DRILL_NEW_KEY_ENV },
          });
        else await handle.signal(rejectSignal, { stepId: request.stepId, by: env.USER ?? 'operator' });
        return;
      }
      await handle.signal(answer === 'approve' ? approveSignal : rejectSignal, {
        stepId: request.stepId,
        by: env.USER ?? 'operator',
      });
    };
    const stop = async () => {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
      cleanups.length = 0;
    };
    return {
      incidentId,
      handle,
      address,
      expectedCause: scenario?.expectedCause ?? null,
      onApproval,
      stop,
      releaseFault,
    };
  } catch (err) {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    throw err;
  }
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
