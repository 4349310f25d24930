import type { TestWorkflowEnvironment } from '@temporalio/testing';
import proto from '@temporalio/proto';
import type { WorkflowHandle } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';

/** How long a workflow task may stay with the worker before `skip` calls its workflow stranded. */
const SETTLE_LIMIT_MS = 30_000;
/** A timer due this soon after a skip is skipped past too: longer than a loaded machine's workflow task, far shorter than any wait a workflow makes. */
const TIMER_GUARD_MS = 10_000;
/** Timers skipped past after one skip before `skip` gives up on a workflow that keeps one due. */
const MAX_GUARD_SKIPS = 20;

/**
 * Moves the test server's clock `ms` forward and leaves `handle`'s workflow settled, with no timer
 * due within `TIMER_GUARD_MS`, so what the test sends next cannot race a timer.
 *
 * The time-skipping server strands a workflow whose task cancels a timer that fired while the task
 * was with the worker: it refuses the completion ("invalid history builder state for action") and
 * neither times the task out nor hands it out again. Between skips its clock runs at real pace, so
 * a signal sent just after a skip, its task slow on a loaded machine, could cancel a wait whose
 * timer had fired meanwhile. A skip can therefore land up to `TIMER_GUARD_MS` past its target per
 * timer it goes past; a test must not assert that a timer due that soon has not fired yet.
 */
export async function skip(env: TestWorkflowEnvironment, handle: Driven, ms: number): Promise<void> {
  await untilSettled(handle);
  await env.sleep(ms);
  for (let extra = 0; ; extra += 1) {
    const events = await untilSettled(handle);
    const due = pendingTimersDueAt(events);
    if (due.length === 0) return;
    const dueIn = Math.min(...due) - (await env.currentTimeMs());
    if (dueIn > TIMER_GUARD_MS) return;
    if (extra >= MAX_GUARD_SKIPS)
      throw new Error(`${handle.workflowId} keeps a timer due within ${TIMER_GUARD_MS} ms of every skip`);
    await env.sleep(Math.max(dueIn, 0) + 1);
  }
}

/** What `skip` reads of the workflow it drives. */
type Driven = Pick<WorkflowHandle, 'workflowId' | 'fetchHistory'>;

/** How often `untilStranded` reads the history. */
const WATCH_EVERY_MS = 2_000;

/**
 * Resolves when `stop` aborts; rejects once one workflow task of `handle`'s workflow has been out
 * for `SETTLE_LIMIT_MS`: the test server stranded it (see `skip`), and the test fails in seconds,
 * its retry on a fresh server, rather than waiting for its timeout. Reads run under the caller's
 * abort signal.
 */
export async function untilStranded(handle: Driven, stop: AbortSignal): Promise<void> {
  let out: { id: string; since: number } | undefined;
  while (!stop.aborted) {
    try {
      await sleep(WATCH_EVERY_MS, undefined, { signal: stop });
      const events = (await handle.fetchHistory()).events ?? [];
      const task = outstanding(events);
      if (task.closed || task.workflowTask === null) out = undefined;
      else if (out?.id !== task.workflowTask) out = { id: task.workflowTask, since: Date.now() };
      else if (Date.now() - out.since > SETTLE_LIMIT_MS) throw new Stranded(handle, events);
    } catch (error) {
      if (stop.aborted) return;
      throw error;
    }
  }
}

class Stranded extends Error {
  constructor(handle: Driven, events: readonly HistoryEvent[]) {
    const last = events.slice(-4).map((e) => `${String(e.eventId)} ${EventType[e.eventType ?? 0] ?? '?'}`);
    super(`${handle.workflowId}: a workflow task stranded by the test server; last events ${last.join(', ')}`);
  }
}

type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;
const { EventType } = proto.temporal.api.enums.v1;

/**
 * The workflow's history once no workflow task is with the worker and no activity runs (or it
 * has closed). An activity still running after `SETTLE_LIMIT_MS` (a retry's backoff) is left to
 * run; a workflow task still out by then is stranded, and the test fails with its last events.
 */
async function untilSettled(handle: Driven): Promise<HistoryEvent[]> {
  const deadline = Date.now() + SETTLE_LIMIT_MS;
  for (;;) {
    const events = (await handle.fetchHistory()).events ?? [];
    const { workflowTask, activities, closed } = outstanding(events);
    if (closed || (!workflowTask && activities === 0)) return events;
    if (Date.now() > deadline) {
      if (!workflowTask) return events;
      throw new Stranded(handle, events);
    }
    await sleep(20);
  }
}

const CLOSED = new Set([
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
]);

/** The workflow task out (its scheduled event's id), the activities running, and whether the run has closed. */
function outstanding(events: readonly HistoryEvent[]): {
  workflowTask: string | null;
  activities: number;
  closed: boolean;
} {
  let workflowTask: string | null = null;
  const activities = new Set<string>();
  for (const event of events) {
    if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED) workflowTask = String(event.eventId);
    else if (
      event.workflowTaskCompletedEventAttributes ||
      event.workflowTaskFailedEventAttributes ||
      event.workflowTaskTimedOutEventAttributes
    )
      workflowTask = null;
    else if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) activities.add(String(event.eventId));
    else {
      const ended =
        event.activityTaskCompletedEventAttributes ??
        event.activityTaskFailedEventAttributes ??
        event.activityTaskTimedOutEventAttributes ??
        event.activityTaskCanceledEventAttributes;
      if (ended?.scheduledEventId != null) activities.delete(String(ended.scheduledEventId));
    }
  }
  return { workflowTask, activities: activities.size, closed: CLOSED.has(events.at(-1)?.eventType ?? 0) };
}

/** When each timer started and neither fired nor cancelled is due, in ms since the epoch. */
function pendingTimersDueAt(events: readonly HistoryEvent[]): number[] {
  const pending = new Map<string, number>();
  for (const event of events) {
    const started = event.timerStartedEventAttributes;
    if (started?.timerId) pending.set(started.timerId, msOf(event.eventTime) + msOf(started.startToFireTimeout));
    const ended = event.timerFiredEventAttributes ?? event.timerCanceledEventAttributes;
    if (ended?.timerId) pending.delete(ended.timerId);
  }
  return [...pending.values()];
}

/** A protobuf timestamp or duration in milliseconds. */
function msOf(value: { seconds?: { toString(): string } | null; nanos?: number | null } | null | undefined): number {
  return Number(value?.seconds?.toString() ?? 0) * 1000 + Math.floor((value?.nanos ?? 0) / 1e6);
}
