import { join } from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { Client } from '@temporalio/client';
import { RecordOnlyTarget, type RemediationTarget } from '../activities/kubernetes/index.ts';
import { createKubernetesTarget } from '../activities/kubernetes/cluster.ts';
import { postmortemDir, type AppConfig } from '../config/index.ts';
import { ServiceCatalog } from '../activities/catalog.ts';
import { ApprovalPolicySchema, approveSignal, provideSecretRefSignal, rejectSignal, type ApprovalRequest, type IncidentResult, type IncidentStart } from '../contract/index.ts';
import { startDevServer, type DevServer } from '../infra/dev-server.ts';
import { loadTemporalTarget, temporalAddressConfigured } from '../infra/temporal-connection.ts';
import { defaultRunbookId, getRunbook } from '../runbooks/index.ts';
import { builtinScenario, startSimulator, type ScenarioPhase } from '../simulator/index.ts';
import { createIncidentWorker } from '../worker/create-worker.ts';
import { activityDepsFromConfig } from '../worker/deps.ts';
import { followIncident } from './follow.ts';
import { startIncident } from './incidents.ts';
import { serviceFromConfig } from '../worker/service-config.ts';

export const DRILL_APPROVER = 'drill-auto';
export const DRILL_REPORTER = 'drill';
const DRILL_NEW_KEY_ENV = 'RUNBOOK_DRILL_NEW_KEY';

/** Seconds instead of minutes: every branch of the runbook in about a minute. */
export const COMPRESSED_TIMINGS = {
  slaMs: { P1: 120_000, P2: 120_000, P3: 120_000, P4: 120_000 },
  escalationEveryMs: 120_000,
  updateEveryMs: { P1: 60_000, P2: 60_000, P3: 60_000, P4: null },
  pollInitialMs: 300,
  pollMaxMs: 1_500,
  pollBackoff: 1.5,
  healthyChecksRequired: 3,
  billedProbeEvery: 4,
  rolloutTimeoutMs: 30_000,
  pollsPerRun: 100,
  probeTimeoutMs: 3_000,
  realCheckEveryMs: 2_000,
  confirmRounds: 2,
  confirmIntervalMs: 300,
  maxAutoRelapses: 3,
};

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

/** Starts what is missing (server, worker, simulator), runs one incident, tears it all down. */
export async function runDrill(config: AppConfig, env: NodeJS.ProcessEnv, options: DrillOptions): Promise<DrillReport> {
  const runbook = getRunbook(options.runbook ?? defaultRunbookId());
  const drill = runbook.tooling.drill;
  const scenario = options.phases ? null : builtinScenario(options.scenario, runbook.tooling.scenarios);
  const latencyScale = options.productionTimings ? 1 : 0.01;
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const sim = await startSimulator({ runbook: runbook.id, scenario: options.phases ? undefined : options.scenario, phases: options.phases, latencyScale });
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
    const remediationTarget: RemediationTarget = options.kubeContext
      ? createKubernetesTarget({ context: options.kubeContext })
      : new RecordOnlyTarget({ seed: [{ namespace: service.kubernetes.namespace, deployment: service.kubernetes.deployment, ...drill.seed(service) }] });
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
        policy: ApprovalPolicySchema.parse({ dryRun: options.dryRun, timeoutMs: options.productionTimings ? 30 * 60_000 : 10 * 60_000 }),
        // Compressed time makes an hour's worth of real calls in a minute.
        ...(options.productionTimings ? {} : { billedProbesPerHour: 100_000 }),
        allowedSecretRefs: [`env:${DRILL_NEW_KEY_ENV}`],
      },
    ]);
    const deps = activityDepsFromConfig(
      { ...config, RUNBOOK_NOTIFY_FILE: config.RUNBOOK_NOTIFY_FILE ?? join(config.RUNBOOK_DATA_DIR, 'drills', 'notifications.jsonl') },
      workerEnv,
      remediationTarget,
      catalog,
    );
    const taskQueue = `drill-${Date.now().toString(36)}`;
    const workerConnection = await NativeConnection.connect(target.connectionOptions);
    cleanups.push(() => workerConnection.close());
    const worker = await createIncidentWorker({ connection: workerConnection, namespace: target.namespace, taskQueue, deps: { ...deps, postmortem: { postmortemDir: postmortemDir(config) } } });
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
      decisionThresholds: drill.thresholds(latencyScale, options.productionTimings),
      drill: true,
      ...(options.productionTimings ? {} : { timings: COMPRESSED_TIMINGS }),
    };
    const incidentId = `incident-${new Date().toISOString().slice(0, 10).replaceAll('-', '')}-drill-${options.scenario.replace(/[^a-z0-9]+/gi, '-')}-${Date.now().toString(36)}`;
    const handle = await startIncident(client, taskQueue, input, incidentId, { eager: true });
    options.note(`Incident ${incidentId} opened (scenario ${options.scenario})`);

    const result = await followIncident(handle, {
      print: options.print,
      statusLine: options.statusLine,
      onApproval: async (request) => {
        if (options.autoApprove) {
          if (drill.secretSteps.includes(request.stepId)) {
            await handle.signal(provideSecretRefSignal, { by: DRILL_APPROVER, stepId: request.stepId, ref: { kind: 'env', name: DRILL_NEW_KEY_ENV } });
          } else {
            await handle.signal(approveSignal, { stepId: request.stepId, by: DRILL_APPROVER, comment: 'drill auto-approval' });
          }
          return;
        }
        const answer = options.prompt ? await options.prompt(request) : 'skip';
        if (answer === 'skip') {
          options.note(`Waiting for ${request.stepId}: ${request.approveCommand} (Temporal at ${address})`);
          return;
        }
        if (drill.secretSteps.includes(request.stepId)) {
          if (answer === 'approve') await handle.signal(provideSecretRefSignal, { by: env.USER ?? 'operator', stepId: request.stepId, ref: { kind: 'env', name: DRILL_NEW_KEY_ENV } });
          else await handle.signal(rejectSignal, { stepId: request.stepId, by: env.USER ?? 'operator' });
          return;
        }
        await handle.signal(answer === 'approve' ? approveSignal : rejectSignal, { stepId: request.stepId, by: env.USER ?? 'operator' });
      },
    });
    const final = result!;
    const expectedCause = scenario?.expectedCause ?? null;
    // A drill passes when the incident ended as it should: fixed (`resolved`) or found to need no fix (`closed`).
    const passed = (final.state === 'resolved' || final.state === 'closed') && (expectedCause === null || final.cause === expectedCause);
    return { incidentId, scenario: options.scenario, expectedCause, cause: final.cause, severity: final.severity, state: final.state, passed, result: final };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}
