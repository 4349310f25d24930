import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterEach, beforeEach } from 'vitest';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import {
  ApprovalPolicySchema,
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
import { createMockActivities, type MockActivityOptions } from './mock-activities.ts';
import type { IncidentHandle, IncidentWorkflow } from '../../../src/app/incident-workflow.ts';

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };

/**
 * A time-skipping server of its own for each test. The test server can refuse a workflow task's
 * timer cancellation and then neither time the task out nor hand it out again: that workflow hangs,
 * and time skipping stops for every later test on the same server. With a server per test, a hang
 * stays in its test, and a retry (`{ retry: 1 }`) runs it again on a fresh server; an assertion
 * that fails fails on both tries.
 */
export function timeSkippingPerTest(): { readonly env: TestWorkflowEnvironment; readonly bundle: string } {
  let current: { env: TestWorkflowEnvironment; bundle: string } | undefined;
  beforeEach(async () => {
    current = await startTimeSkipping();
  });
  afterEach(async () => {
    // A hung test's worker still holds the connection: the server is left to end with the process.
    await current?.env.teardown().catch(() => undefined);
    current = undefined;
  });
  return {
    get env() {
      return current!.env;
    },
    get bundle() {
      return current!.bundle;
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

export const MIN = 60_000;
export const HOUR = 60 * MIN;

/** The provider stays down for this long after the incident opens, then recovers for good. */
export const outageFor =
  (ms: number) =>
  ({ elapsedMs }: { elapsedMs: number }) =>
    elapsedMs >= ms;

/** Production-like timings: the time-skipping server makes hours cheap. */
export function unitInput(
  overrides: Partial<IncidentInputDraft> = {},
): IncidentInputDraft & { service: ServiceTarget } {
  return {
    runbook: 'ideogram',
    trigger: 'alert',
    reporter: 'alice',
    symptom: 'all generations fail',
    service: {
      name: 'image-service',
      baseUrl: 'http://127.0.0.1:9',
      statusPageUrl: 'http://127.0.0.1:9/status.json',
      apiKeyRef: { kind: 'env', name: 'UNIT_TEST_KEY' },
      kubernetes: { namespace: 'prod', deployment: 'image-service' },
      settings: { secretName: 'image-secrets', secretKey: 'api-key', batchSelector: 'tier=batch' },
    },
    policy: { timeoutMs: 24 * HOUR },
    ...overrides,
  };
}

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
  events: ReturnType<typeof createMockActivities>['events'];
  /** Runs `fn` while the worker polls; shuts it down afterwards. */
  during<T>(fn: () => Promise<T>): Promise<T>;
}

export async function startUnit(
  ctx: { env: TestWorkflowEnvironment; bundle: string },
  input: IncidentInputDraft & { service: ServiceTarget },
  mock: MockActivityOptions = {},
): Promise<UnitRun> {
  const taskQueue = uniqueTaskQueue('unit');
  // The workflow learns its service from the worker: the inline service and policy become the mock catalog's entry.
  const { service, policy, billedProbeBudget, billedProbesPerHour, ...request } = input;
  const resolved = {
    name: service.name,
    runbook: input.runbook ?? 'ideogram',
    target: service,
    policy: ApprovalPolicySchema.parse(policy ?? {}),
    billedProbeBudget,
    billedProbesPerHour,
    ...(mock.runbookDocument ? { runbookDocument: mock.runbookDocument } : {}),
  };
  const { activities, events } = createMockActivities({ ...mock, resolved });
  const worker = await Worker.create({
    connection: ctx.env.nativeConnection,
    taskQueue,
    activities,
    workflowBundle: { code: ctx.bundle },
  });
  const handle = await ctx.env.client.workflow.start<IncidentWorkflow>(INCIDENT_WORKFLOW_TYPE, {
    taskQueue,
    workflowId: `incident-${taskQueue}`,
    args: [{ ...request, service: service.name }],
  });
  // A workflow left with an unpolled task stops time skipping for every later test: terminate it.
  const during = <T>(fn: () => Promise<T>) =>
    worker.runUntil(fn).finally(() => handle.terminate('test finished').catch(() => undefined));
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
    if (stepMs > 0) await env.sleep(stepMs);
    else await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`never reached: ${what}`);
}
