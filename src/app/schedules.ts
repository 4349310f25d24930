import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  WorkflowNotFoundError,
  type Client,
  type ScheduleDescription,
} from '@temporalio/client';
import type { ServiceCatalog } from '../activities/catalog.ts';
import {
  SYNTHETIC_CHECK_WORKFLOW_TYPE,
  SyntheticCheckInputSchema,
  SyntheticScheduleMemoSchema,
  type SyntheticCheckInput,
  type SyntheticScheduleMemo,
} from '../contract/index.ts';
import { OperationFailedError, RequestRefusedError } from './errors.ts';
import { chooseService, runbookFor } from './service-catalog.ts';
import type { SyntheticCheckWorkflow } from './incident-workflow.ts';

const MINUTE = 60_000;
const UNITS: Record<string, number> = { m: MINUTE, h: 60 * MINUTE };

/** `5m`, `90m`, `1h`: one minute to one day. */
export function parseInterval(text: string): number {
  const match = /^(\d{1,4})(m|h)$/.exec(text.trim());
  const ms = match ? Number(match[1]) * UNITS[match[2]!]! : NaN;
  if (!match || !(ms >= MINUTE && ms <= 24 * 60 * MINUTE)) {
    throw new RequestRefusedError(`invalid interval "${text}": minutes or hours like 5m, 90m or 1h, from 1m to 24h`);
  }
  return ms;
}

export const ScheduleIdPattern = /^[A-Za-z0-9._-]{1,120}$/;

/** The default schedule id per (runbook, service) on this engine: `synthetic-<runbook>-<service>.<task queue>`. */
export function defaultScheduleId(runbook: string, service: string, taskQueue: string): string {
  return `synthetic-${runbook}-${service}.${taskQueue}`.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 120);
}

export interface CreateScheduleRequest {
  id?: string;
  /** Default: the named service's runbook, else the default runbook. */
  runbook?: string;
  service?: string;
  every: string;
  billedPerDay: number;
}

/** A schedule request checked against the catalog and the rules: what `createSyntheticSchedule` creates. */
export interface PreparedSchedule {
  scheduleId: string;
  everyMs: number;
  input: SyntheticCheckInput;
  memo: SyntheticScheduleMemo;
}

/** Refuses an unknown runbook or service, a bad interval, budget or id, before anything is contacted. */
export function prepareSyntheticSchedule(
  taskQueue: string,
  catalog: ServiceCatalog,
  request: CreateScheduleRequest,
): PreparedSchedule {
  const runbook = runbookFor(catalog, request.runbook, request.service).id;
  const service = chooseService(catalog, runbook, request.service);
  const everyMs = parseInterval(request.every);
  const scheduleId = request.id ?? defaultScheduleId(runbook, service, taskQueue);
  if (!ScheduleIdPattern.test(scheduleId))
    throw new RequestRefusedError(
      `invalid schedule id "${scheduleId}": letters, digits, dot, dash, underscore, at most 120`,
    );
  const parsed = SyntheticCheckInputSchema.safeParse({
    scheduleId,
    runbook: runbook,
    service,
    billedPerDay: request.billedPerDay,
  });
  if (!parsed.success)
    throw new RequestRefusedError(
      `invalid schedule: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const memo: SyntheticScheduleMemo = {
    kind: 'synthetic-check',
    runbook: runbook,
    service,
    every: request.every.trim(),
    billedPerDay: request.billedPerDay,
    taskQueue,
  };
  return { scheduleId, everyMs, input: parsed.data, memo };
}

/** Creates the schedule; an id already taken is refused and nothing changes. */
export async function createSyntheticSchedule(
  client: Client,
  taskQueue: string,
  prepared: PreparedSchedule,
): Promise<{ scheduleId: string; input: SyntheticCheckInput }> {
  const { scheduleId, everyMs, input, memo } = prepared;
  const { service, runbook } = input;
  try {
    await client.schedule.create<SyntheticCheckWorkflow>({
      scheduleId,
      spec: { intervals: [{ every: everyMs }] },
      action: {
        type: 'startWorkflow',
        workflowType: SYNTHETIC_CHECK_WORKFLOW_TYPE,
        taskQueue,
        // The server appends the scheduled time: every run has its own id.
        workflowId: scheduleId,
        args: [input],
        // Enough for the slowest triage (probe timeouts and retries); bounds a check no worker takes,
        // so that it cannot hold the schedule (SKIP) forever.
        workflowRunTimeout: '10 minutes',
        // Shown on each run in the Web UI.
        staticSummary: `Synthetic check of ${service} (runbook ${runbook})`,
      },
      policies: {
        // A check must not pile up behind a slow one: while one runs, the next is skipped, not queued
        // (BUFFER_ONE would run a stale check right after a slow one). This also keeps the runs of a
        // schedule sequential, which the daily billed ledger relies on.
        overlap: ScheduleOverlapPolicy.SKIP,
        // After the server was down, one missed check (within one interval) still runs; older ones
        // are dropped rather than fired in a burst that would spend the billed budget at once.
        catchupWindow: everyMs,
        pauseOnFailure: false,
      },
      memo,
      state: { note: `synthetic check of ${service} (runbook ${runbook}) every ${memo.every}` },
    });
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning)
      throw new RequestRefusedError(`schedule ${scheduleId} already exists: choose another --id, or delete it first`);
    throw err;
  }
  return { scheduleId, input };
}

/** One of this engine's schedules, or a refusal naming what is there instead. */
async function describeOwn(
  client: Client,
  taskQueue: string,
  scheduleId: string,
): Promise<{ description: ScheduleDescription; memo: SyntheticScheduleMemo }> {
  let description: ScheduleDescription;
  try {
    description = await client.schedule.getHandle(scheduleId).describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError)
      throw new RequestRefusedError(`no schedule ${scheduleId} — see runbook schedule list`);
    throw err;
  }
  const memo = SyntheticScheduleMemoSchema.safeParse(description.memo);
  if (
    !memo.success ||
    description.action.workflowType !== SYNTHETIC_CHECK_WORKFLOW_TYPE ||
    memo.data.taskQueue !== taskQueue
  ) {
    throw new RequestRefusedError(
      `schedule ${scheduleId} is not a synthetic check of this engine (task queue ${taskQueue}): left alone`,
    );
  }
  return { description, memo: memo.data };
}

export async function setSchedulePaused(
  client: Client,
  taskQueue: string,
  scheduleId: string,
  paused: boolean,
  by: string,
): Promise<void> {
  await describeOwn(client, taskQueue, scheduleId);
  const handle = client.schedule.getHandle(scheduleId);
  if (paused) await handle.pause(`paused by ${by} (runbook schedule pause)`);
  else await handle.unpause(`unpaused by ${by} (runbook schedule unpause)`);
}

export async function deleteSyntheticSchedule(client: Client, taskQueue: string, scheduleId: string): Promise<void> {
  await describeOwn(client, taskQueue, scheduleId);
  await client.schedule.getHandle(scheduleId).delete();
}

export interface ScheduleRow {
  scheduleId: string;
  runbook: string;
  service: string;
  every: string;
  billedPerDay: number;
  paused: boolean;
  lastRunAt: string | null;
  /** `healthy`, `fault → <incident>`, `running`, `failed`, … with `(free probes only)` when the budget was spent. */
  lastResult: string | null;
  nextRunAt: string | null;
}

/** What the last check said, from its workflow (its result when it completed). */
async function lastResult(client: Client, workflowId: string, runId: string): Promise<string> {
  const handle = client.workflow.getHandle<SyntheticCheckWorkflow>(workflowId, runId);
  let status;
  try {
    ({ status } = await handle.describe());
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return 'unknown (history past retention)';
    throw err;
  }
  if (status.name !== 'COMPLETED') return status.name.toLowerCase();
  const result = await handle.result();
  const free = result.billed ? '' : ' (free probes only)';
  if (result.outcome === 'fault')
    return `fault ${result.decision.severity} ${result.decision.cause} → ${result.incidentId ?? '?'}${free}`;
  return `${result.outcome}${free}`;
}

/**
 * This engine's synthetic-check schedules. Found through visibility (a schedule created a moment
 * ago may take a moment to appear), then each described: paused, recent and next runs are current.
 */
export async function listSyntheticSchedules(client: Client, taskQueue: string): Promise<ScheduleRow[]> {
  const rows: ScheduleRow[] = [];
  for await (const summary of client.schedule.list()) {
    const memo = SyntheticScheduleMemoSchema.safeParse(summary.memo);
    if (!memo.success || memo.data.taskQueue !== taskQueue) continue;
    let description: ScheduleDescription;
    try {
      description = await client.schedule.getHandle(summary.scheduleId).describe();
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) continue; // deleted since the listing
      throw err;
    }
    const last = description.info.recentActions.at(-1);
    let result: string | null = null;
    if (last) {
      result = await lastResult(
        client,
        last.action.workflow.workflowId,
        last.action.workflow.firstExecutionRunId,
      ).catch((err: unknown) => {
        throw new OperationFailedError(
          `cannot read the last check of ${summary.scheduleId}: ${(err as Error).message}`,
          { cause: err },
        );
      });
    }
    rows.push({
      scheduleId: summary.scheduleId,
      runbook: memo.data.runbook,
      service: memo.data.service,
      every: memo.data.every,
      billedPerDay: memo.data.billedPerDay,
      paused: description.state.paused,
      lastRunAt: last ? last.takenAt.toISOString() : null,
      lastResult: result,
      nextRunAt: description.state.paused ? null : (description.info.nextActionTimes[0]?.toISOString() ?? null),
    });
  }
  return rows.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
}
