/**
 * The parts a drill starts before its incident opens — simulator, Temporal server, worker — and
 * how it answers approvals. `launchDrill` (drill.ts) puts them together.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { RecordOnlyTarget, type RemediationTarget } from '../activities/kubernetes/index.ts';
import { ServiceCatalog } from '../activities/catalog.ts';
import { postmortemDir, type AppConfig } from '../config/index.ts';
import {
  ApprovalPolicySchema,
  approveSignal,
  provideSecretRefSignal,
  rejectSignal,
  type ApprovalRequest,
  type ServiceTarget,
} from '../contract/index.ts';
import { startDevServer } from '../infra/dev-server.ts';
import { loadTemporalTarget, temporalAddressConfigured, type TemporalTarget } from '../infra/temporal-connection.ts';
import { runbookTooling, type DrillProfile } from '../runbooks/tooling/index.ts';
import type { RunbookDefinition } from '../runbooks/types.ts';
import { startSimulator, type BuiltinScenario, type RunningSimulator, type ScenarioPhase } from '../simulator/index.ts';
import { createIncidentWorker } from '../worker/create-worker.ts';
import { configuredWorkflowBundle } from '../worker/run-worker.ts';
import { activityDepsFromConfig } from '../worker/deps.ts';
import type { IncidentHandle } from './incident-workflow.ts';

export const DRILL_APPROVER = 'drill-auto';
export const DRILL_NEW_KEY_ENV = 'RUNBOOK_DRILL_NEW_KEY';

/** What the drill's setup reads of its options (a subset of `DrillOptions`). */
export interface DrillSetupOptions {
  scenario: string;
  phases?: ScenarioPhase[];
  autoApprove: boolean;
  productionTimings: boolean;
  dryRun: boolean;
  prompt?: (request: ApprovalRequest) => Promise<'approve' | 'reject' | 'skip'>;
  note: (line: string) => void;
  workflowBundleCode?: string;
  holdFault?: boolean;
}

/** What a drill started, stopped in reverse order; one that fails to stop does not keep the others running. */
export class DrillTeardown {
  private readonly steps: Array<() => Promise<unknown>> = [];

  add(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    for (const step of this.steps.reverse()) await step().catch(() => undefined);
    this.steps.length = 0;
  }
}

/**
 * The simulator playing the scenario. With `holdFault`, a fault that ends after a number of
 * requests lasts until `releaseFault()`, which plays the scenario's recovery.
 */
export async function startDrillSimulator(
  runbookId: string,
  scenario: BuiltinScenario | null,
  options: DrillSetupOptions,
  latencyScale: number,
): Promise<{ sim: RunningSimulator; releaseFault: () => void }> {
  const [fault, ...recovery] = scenario?.phases ?? [];
  let held = options.holdFault && fault?.requests !== undefined && recovery.length > 0;
  const lasting = held ? [Object.fromEntries(Object.entries(fault!).filter(([key]) => key !== 'requests'))] : undefined;
  const sim = await startSimulator({
    runbook: runbookId,
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
  return { sim, releaseFault };
}

/** The configured Temporal server, or a dev server of the drill's own when none is configured. */
export async function drillTemporalTarget(
  env: NodeJS.ProcessEnv,
  note: (line: string) => void,
  teardown: DrillTeardown,
): Promise<TemporalTarget> {
  if (temporalAddressConfigured(env)) return loadTemporalTarget(env);
  const server = await startDevServer({ uiPort: null });
  teardown.add(() => server.stop());
  note(`Temporal dev server for this drill: ${server.address}`);
  return loadTemporalTarget({ ...env, TEMPORAL_ADDRESS: server.address });
}

/** The worker's environment: the simulator's placeholder key when none is set, and the key a rotation hands over. */
function drillWorkerEnv(env: NodeJS.ProcessEnv, drill: DrillProfile, note: (line: string) => void): NodeJS.ProcessEnv {
  const workerEnv = { ...env };
  if (!workerEnv[drill.keyEnv]) {
    workerEnv[drill.keyEnv] = 'drill-simulator-key';
    note(`${drill.keyEnv} is not set: using a placeholder key the simulator accepts`);
  }
  workerEnv[DRILL_NEW_KEY_ENV] ??= 'drill-rotated-key';
  return workerEnv;
}

/** The cluster given, or a record-only target seeded with the service's deployment. */
function drillRemediationTarget(
  cluster: RemediationTarget | undefined,
  service: ServiceTarget,
  drill: DrillProfile,
): RemediationTarget {
  if (cluster) return cluster;
  const { namespace, deployment } = service.kubernetes;
  return new RecordOnlyTarget({ seed: [{ namespace, deployment, ...drill.seed(service) }] });
}

/** The drill's own worker knows one service: the simulator, under the configured service's name. */
function drillCatalog(
  runbook: RunbookDefinition,
  service: ServiceTarget,
  sim: RunningSimulator,
  unresolvable: boolean,
  options: DrillSetupOptions,
): ServiceCatalog {
  const drill = runbookTooling(runbook.id).drill;
  const port = new URL(sim.baseUrl).port;
  const { name, ...configured } = service;
  return new ServiceCatalog([
    {
      name,
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
}

export interface DrillWorkerSetup {
  config: AppConfig;
  env: NodeJS.ProcessEnv;
  options: DrillSetupOptions;
  runbook: RunbookDefinition;
  service: ServiceTarget;
  sim: RunningSimulator;
  /** The probes must be pointed at a host that does not resolve. */
  unresolvable: boolean;
  cluster: RemediationTarget | undefined;
  target: TemporalTarget;
}

/** Starts the drill's worker on a task queue of its own; its connection serves the drill's client too. */
export async function startDrillWorker(
  setup: DrillWorkerSetup,
  teardown: DrillTeardown,
): Promise<{ connection: NativeConnection; taskQueue: string }> {
  const { config, options, runbook, service, target } = setup;
  const drill = runbookTooling(runbook.id).drill;
  const workerEnv = drillWorkerEnv(setup.env, drill, options.note);
  const deps = activityDepsFromConfig(
    {
      ...config,
      RUNBOOK_NOTIFY_FILE: config.RUNBOOK_NOTIFY_FILE ?? join(config.RUNBOOK_DATA_DIR, 'drills', 'notifications.jsonl'),
    },
    workerEnv,
    drillRemediationTarget(setup.cluster, service, drill),
    drillCatalog(runbook, service, setup.sim, setup.unresolvable, options),
  );
  const taskQueue = `drill-${uniqueDrillSuffix()}`;
  const connection = await NativeConnection.connect(target.connectionOptions);
  teardown.add(() => connection.close());
  const worker = await createIncidentWorker({
    connection,
    namespace: target.namespace,
    taskQueue,
    deps: { ...deps, postmortem: { postmortemDir: postmortemDir(config) } },
    // The reviewed bundle a production worker runs (RUNBOOK_WORKFLOW_BUNDLE) is the one drilled.
    workflowBundleCode: options.workflowBundleCode ?? (await configuredWorkflowBundle(config)),
  });
  const running = worker.run();
  teardown.add(async () => {
    worker.shutdown();
    await running;
  });
  return { connection, taskQueue };
}

/** Answers a pending approval as `runbook drill` does: auto-approval, the terminal's answer, or a hint. */
export function drillApprovals(
  handle: IncidentHandle,
  drill: DrillProfile,
  options: DrillSetupOptions,
  env: NodeJS.ProcessEnv,
  address: string,
): (request: ApprovalRequest) => Promise<void> {
  const rotatedKey = { kind: 'env', name: DRILL_NEW_KEY_ENV } as const;
  const autoApprove = async (request: ApprovalRequest) => {
    if (drill.secretSteps.includes(request.stepId))
      await handle.signal(provideSecretRefSignal, { by: DRILL_APPROVER, stepId: request.stepId, ref: rotatedKey });
    else
      await handle.signal(approveSignal, {
        stepId: request.stepId,
        by: DRILL_APPROVER,
        comment: 'drill auto-approval',
      });
  };
  return async (request) => {
    if (options.autoApprove) return autoApprove(request);
    const answer = options.prompt ? await options.prompt(request) : 'skip';
    if (answer === 'skip') {
      options.note(`Waiting for ${request.stepId}: ${request.approveCommand} (Temporal at ${address})`);
      return;
    }
    const by = env.USER ?? 'operator';
    if (drill.secretSteps.includes(request.stepId) && answer === 'approve')
      await handle.signal(provideSecretRefSignal, { by, stepId: request.stepId, ref: rotatedKey });
    else await handle.signal(answer === 'approve' ? approveSignal : rejectSignal, { stepId: request.stepId, by });
  };
}

/** Unique even for drills started in the same millisecond (`runbook test --concurrency`). */
export function uniqueDrillSuffix(): string {
  return `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
}
