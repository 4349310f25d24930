import { setTimeout as sleep } from 'node:timers/promises';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { afterEach, beforeEach } from 'vitest';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import {
  INCIDENT_WORKFLOW_TYPE,
  SEARCH_ATTRIBUTE_REGISTRATIONS,
  statusQuery,
  type IncidentInputDraft,
  type IncidentStatus,
  type ServiceTarget,
} from '../../../src/contract/index.ts';
import proto from '@temporalio/proto';
import { testingExecutable } from '../../../src/infra/temporal-binary.ts';
import { bundleIncidentWorkflows, WORKFLOWS_PATH } from '../../../src/infra/workflow-bundle.ts';
import { uniqueTaskQueue } from '../../support/temporal.ts';
import { documentPinOf } from '../../../src/runbooks/index.ts';
import { sharedBundle } from '../../support/workflow-bundle.ts';
import type { MockActivityOptions } from './mock-activities.ts';
import { HOUR, MIN, unitActivities, unitInput } from './unit-input.ts';

export { HOUR, MIN, unitInput };
import { skip, untilStranded } from './skip.ts';
import type { IncidentHandle, IncidentWorkflow } from '../../../src/app/incident-workflow.ts';

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };

/** A time-skipping server with its workflow bundle, and what a test running on it still has in flight. */
export interface TimeSkippingContext {
  readonly env: TestWorkflowEnvironment;
  readonly bundle: string;
  /** Aborted when the test times out: the test's client calls stop before its server goes. */
  readonly signal?: AbortSignal;
  /** The test's `during` runs, awaited (bounded) before the server is torn down. */
  readonly inFlight?: Set<Promise<unknown>>;
}

/** How long a timed-out test's runs get to wind down before its server is torn down regardless. */
const WIND_DOWN_MS = 30_000;

/**
 * A time-skipping server of its own for each test. The test server can strand a workflow (see
 * `skip`): with a server per test, a stranded workflow stays in its test, and a retry
 * (`{ retry: 1 }`) runs it again on a fresh server; an assertion that fails fails on both tries.
 * A test that times out has its client calls aborted and its worker shut down before its server is
 * torn down, so no call is left retrying against a closed connection.
 */
export function timeSkippingPerTest(): TimeSkippingContext {
  let current: Required<TimeSkippingContext> | undefined;
  beforeEach(async ({ signal }) => {
    current = { ...(await startTimeSkipping()), signal, inFlight: new Set() };
  });
  afterEach(async () => {
    const ending = current;
    current = undefined;
    if (!ending) return;
    await Promise.race([Promise.allSettled(ending.inFlight), sleep(WIND_DOWN_MS, undefined, { ref: false })]);
    await ending.env.teardown().catch(() => undefined);
  });
  return {
    get env() {
      return current!.env;
    },
    get bundle() {
      return current!.bundle;
    },
    get signal() {
      return current!.signal;
    },
    get inFlight() {
      return current!.inFlight;
    },
  };
}

/** The time-skipping server with the search attributes registered, and `workflowsPath` bundled (the incident workflow by default). */
export async function startTimeSkipping(
  workflowsPath = WORKFLOWS_PATH,
  prebuilt?: string,
): Promise<{ env: TestWorkflowEnvironment; bundle: string }> {
  const [env, bundle] = await Promise.all([
    TestWorkflowEnvironment.createTimeSkipping({ server: { executable: testingExecutable('test-server') } }),
    prebuilt ??
      (workflowsPath === WORKFLOWS_PATH
        ? sharedBundle()
        : bundleIncidentWorkflows({ workflowsPath, logger: quietLogger })),
  ]);
  // The test server has no ListSearchAttributes, but registers them like a real cluster.
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      SEARCH_ATTRIBUTE_REGISTRATIONS.map((sa) => [
        sa.name,
        proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
      ]),
    ),
  });
  return { env, bundle };
}

/** The provider stays down for this long after the incident opens, then recovers for good. */
export const outageFor =
  (ms: number) =>
  ({ elapsedMs }: { elapsedMs: number }) =>
    elapsedMs >= ms;

/** unitInput pinned to its runbook's document, as the catalog pins it: for workflows run without the catalog. */
export function pinnedUnitInput(
  overrides: Partial<IncidentInputDraft> = {},
): IncidentInputDraft & { service: ServiceTarget } {
  const input = unitInput(overrides);
  return { ...input, runbookDocument: documentPinOf(input.runbook ?? 'ideogram') };
}

/** unitInput's service with some of the runbook's own settings changed (the others as unitInput has them). */
export function unitServiceWith(settings: Record<string, unknown>): ServiceTarget {
  const { service } = unitInput();
  return { ...service, settings: { ...service.settings, ...settings } };
}

export interface UnitRun {
  handle: WorkflowHandleWithFirstExecutionRunId<IncidentWorkflow>;
  worker: Worker;
  events: ReturnType<typeof unitActivities>['events'];
  /** Runs `fn` while the worker polls; shuts it down afterwards. */
  during<T>(fn: () => Promise<T>): Promise<T>;
}

/** Starts the unit's worker; a test of the worker's own set-up passes its own. */
export type UnitWorkerFactory = (options: WorkerOptions) => Promise<Worker>;

export async function startUnit(
  ctx: TimeSkippingContext,
  input: IncidentInputDraft & { service: ServiceTarget },
  mock: MockActivityOptions = {},
  createWorker: UnitWorkerFactory = (options) => Worker.create(options),
): Promise<UnitRun> {
  const taskQueue = uniqueTaskQueue('unit');
  const { activities, events, start } = unitActivities(input, mock);
  const worker = await createWorker({
    connection: ctx.env.nativeConnection,
    taskQueue,
    activities,
    workflowBundle: { code: ctx.bundle },
  });
  const handle = await ctx.env.client.workflow.start<IncidentWorkflow>(INCIDENT_WORKFLOW_TYPE, {
    taskQueue,
    workflowId: `incident-${taskQueue}`,
    args: [start],
  });
  // A workflow left with an unpolled task stops time skipping for every later test: terminate it.
  const during = <T>(fn: () => Promise<T>) => {
    // Stops the test's calls and the watch when the test times out or its workflow is stranded.
    const stop = new AbortController();
    const timedOut = () => stop.abort(new Error('the test timed out'));
    ctx.signal?.addEventListener('abort', timedOut, { once: true });
    const watch = ctx.env.client.withAbortSignal(stop.signal, () => untilStranded(handle, stop.signal));
    const body = ctx.env.client.withAbortSignal(stop.signal, fn);
    const run = worker.runUntil(Promise.race([body, watch.then(() => body)])).finally(async () => {
      stop.abort(new Error('the test is over'));
      ctx.signal?.removeEventListener('abort', timedOut);
      await watch.catch(() => undefined);
      await handle.terminate('test finished').catch(() => undefined);
    });
    ctx.inFlight?.add(run);
    return run;
  };
  return { handle, worker, events, during };
}

/** Query until `predicate` holds, advancing skipped time by `stepMs` between looks (bounded); timers such as the confirmation re-checks need a step. */
export async function advanceUntil(
  env: TestWorkflowEnvironment,
  handle: IncidentHandle,
  predicate: (s: IncidentStatus) => boolean,
  what: string,
  stepMs = 0,
): Promise<IncidentStatus> {
  for (let i = 0; i < 400; i += 1) {
    const status = await handle.query(statusQuery);
    if (predicate(status)) return status;
    if (stepMs > 0) await skip(env, handle, stepMs);
    else await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`never reached: ${what}`);
}
