import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  ApplicationFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
} from '@temporalio/common';
import {
  alertIncidentGeneration,
  alertIncidentId,
  alertSignal,
  ErrorTypes,
  IncidentStartSchema,
  INCIDENT_WORKFLOW_TYPE,
  SEARCH_ATTRIBUTES,
  SYNTHETIC_BILLED_MEMO,
  type AlertSignal,
  type IncidentStart,
  type IncidentStarter,
  type IntakeTarget,
  incidentSlot,
  utcDay,
  VISIBILITY_PAGE_SIZE,
} from '../contract/index.ts';

/** The Temporal client activities use to open incidents and read the schedule's ledger. */
export interface IntakeDeps {
  client: Client;
  taskQueue: string;
}

/**
 * What this process last saw of each slot (by namespace and slot): the newest generation of a day,
 * and the incident that was open then. Every generation below the newest was closed (a later one is
 * started only once the earlier one closed), so in steady state delivery is one server call.
 */
interface SlotMemory {
  day: string;
  generation: number;
  /** The open incident last joined, which may be from an earlier day. */
  openId?: string;
}
const slots = new Map<string, SlotMemory>();

const slotKey = (client: Client, target: IntakeTarget, taskQueue: string) =>
  `${client.options.namespace}/${incidentSlot(target, taskQueue)}`;

function remember(key: string, incidentId: string, open: boolean): void {
  const parsed = alertIncidentGeneration(incidentId);
  if (!parsed) return;
  const known = slots.get(key);
  // Concurrent deliveries may finish out of order: memory only moves forward.
  if (known && (known.day > parsed.day || (known.day === parsed.day && known.generation > parsed.generation))) return;
  slots.set(key, { ...parsed, ...(open ? { openId: incidentId } : {}) });
}

/** Signals a running incident; false when it is closed or gone (a signal reaches only a running execution). */
async function signalIfOpen(client: Client, incidentId: string, alert: AlertSignal): Promise<boolean> {
  try {
    await client.workflow.getHandle(incidentId).signal(alertSignal, alert);
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/** The slot's open incident from an earlier day, as visibility knows it (it lags the server by moments). */
async function openFromEarlierDay(
  client: Client,
  target: IntakeTarget,
  taskQueue: string,
  today: string,
): Promise<string | undefined> {
  const slot = incidentSlot(target, taskQueue).replace(/'/g, '');
  const query = `WorkflowType = '${INCIDENT_WORKFLOW_TYPE}' AND ${SEARCH_ATTRIBUTES.slot.name} = '${slot}' AND ExecutionStatus = 'Running'`;
  for await (const execution of client.workflow.list({ query, pageSize: VISIBILITY_PAGE_SIZE })) {
    const parsed = alertIncidentGeneration(execution.workflowId);
    if (parsed && parsed.day < today) return execution.workflowId;
  }
  return undefined;
}

/** The incident from an earlier day this process last joined, or, when it knows nothing of today, the one visibility shows open. */
async function earlierOpenIncident(
  client: Client,
  target: IntakeTarget,
  taskQueue: string,
  today: string,
  known: SlotMemory | undefined,
): Promise<string | undefined> {
  if (known?.openId && alertIncidentGeneration(known.openId)!.day < today) return known.openId;
  if (known?.day === today) return undefined;
  return openFromEarlierDay(client, target, taskQueue, today);
}

/**
 * Opens the incident of (runbook, service) or joins the open one. An incident opened on an earlier
 * day and still open is joined with a plain signal (which never starts anything, so a deleted id is
 * never revived). Otherwise signal-with-start on today's newest known generation (no lookup race):
 * a running incident is joined (conflict policy use existing); a closed one refuses its id (reuse
 * policy reject duplicate), and the next generation's id is tried, so that a closed incident's id
 * is never given to another outage. Concurrent alerts after a close all move to the same next
 * generation, where the first starts it and the others join. The alert intake and synthetic checks
 * both come here, so they land in the same incident.
 */
export async function openOrJoinIncident(
  client: Client,
  taskQueue: string,
  start: IncidentStart & IntakeTarget,
  alert: AlertSignal,
  now = new Date(),
): Promise<string> {
  const key = slotKey(client, start, taskQueue);
  const today = utcDay(now);
  const known = slots.get(key);
  const earlier = await earlierOpenIncident(client, start, taskQueue, today, known);
  if (earlier && (await signalIfOpen(client, earlier, alert))) {
    remember(key, earlier, true);
    return earlier;
  }
  for (let generation = known?.day === today ? known.generation : 1; ; generation++) {
    const incidentId = alertIncidentId(start, taskQueue, today, generation);
    try {
      await client.workflow.signalWithStart<IncidentStarter, [AlertSignal]>(INCIDENT_WORKFLOW_TYPE, {
        taskQueue,
        workflowId: incidentId,
        args: [start],
        signal: alertSignal,
        signalArgs: [alert],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        typedSearchAttributes: [
          { key: SEARCH_ATTRIBUTES.state, value: 'investigating' },
          { key: SEARCH_ATTRIBUTES.slot, value: incidentSlot(start, taskQueue) },
        ],
        memo: { summary: { symptom: start.symptom, reporter: start.reporter, trigger: start.trigger } },
      });
    } catch (err) {
      // With use-existing, "already started" means this generation is closed: the outage is a new one.
      if (err instanceof WorkflowExecutionAlreadyStartedError) continue;
      throw err;
    }
    remember(key, incidentId, true);
    return incidentId;
  }
}

/**
 * The id of the slot's newest incident, open or closed (today's first generation's id when none
 * was opened today and none is open): for whoever means "the incident of this slot", such as a
 * resolved alert. Today's generations are walked from the newest known here, describing each id: a
 * running one is the newest (the next is opened only after it closed); a closed one is newest if
 * the next does not exist. When none of today's is running, an incident still open from an earlier
 * day is the one meant.
 */
export async function currentAlertIncidentId(
  client: Client,
  target: IntakeTarget,
  taskQueue: string,
  now = new Date(),
): Promise<string> {
  const key = slotKey(client, target, taskQueue);
  const today = utcDay(now);
  const known = slots.get(key);
  let newest: { generation: number; running: boolean } | undefined;
  for (let generation = known?.day === today ? known.generation : 1; ; generation++) {
    let running: boolean;
    try {
      running =
        (await client.workflow.getHandle(alertIncidentId(target, taskQueue, today, generation)).describe()).status
          .name === 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) break;
      throw err;
    }
    newest = { generation, running };
    if (running) break;
  }
  if (!newest?.running) {
    const earlier = await openFromEarlierDay(client, target, taskQueue, today);
    if (earlier) return earlier;
  }
  const incidentId = alertIncidentId(target, taskQueue, today, newest?.generation ?? 1);
  if (newest) remember(key, incidentId, newest.running);
  return incidentId;
}

const needsClient = () =>
  ApplicationFailure.nonRetryable(
    'this worker has no Temporal client for synthetic checks (ActivityDeps.intake)',
    ErrorTypes.IntakeUnavailable,
  );

/** What synthetic checks do outside the workflow: read the schedule's billed ledger, open the incident. */
export function createIntakeActivities(deps: IntakeDeps | undefined) {
  return {
    /**
     * Billed calls the other runs of this schedule made on `day` (UTC), as each wrote them in its
     * memo before spending. Read from visibility: a run that started moments ago may not be
     * counted yet, which the schedule's SKIP overlap policy makes moot for scheduled runs.
     */
    async billedSpentToday(req: { scheduleId: string; day: string; selfRunId: string }): Promise<number> {
      if (!deps) throw needsClient();
      const query = `TemporalScheduledById = '${req.scheduleId.replace(/'/g, "\\'")}' AND StartTime >= '${req.day}T00:00:00Z'`;
      let spent = 0;
      for await (const run of deps.client.workflow.list({ query, pageSize: VISIBILITY_PAGE_SIZE })) {
        // By run id: two runs triggered within one second share a workflow id.
        if (run.runId === req.selfRunId) continue;
        const entry = run.memo?.[SYNTHETIC_BILLED_MEMO] as { day?: unknown; calls?: unknown } | undefined;
        if (entry && entry.day === req.day && typeof entry.calls === 'number') spent += entry.calls;
      }
      return spent;
    },
    /** The synthetic check's fault as a firing alert: the same incident ids and signal-with-start as the alert intake. */
    async openSyntheticIncident(req: { target: IntakeTarget; alert: AlertSignal }): Promise<{ incidentId: string }> {
      if (!deps) throw needsClient();
      const draft = {
        ...req.target,
        trigger: 'synthetic' as const,
        reporter: 'synthetic-check',
        symptom: req.alert.summary,
      };
      const parsed = IncidentStartSchema.safeParse(draft);
      if (!parsed.success)
        throw ApplicationFailure.nonRetryable(
          `invalid synthetic incident: ${parsed.error.issues.map((i) => i.message).join('; ')}`,
          ErrorTypes.InvalidIncidentInput,
        );
      const start = { ...draft, symptom: parsed.data.symptom };
      return { incidentId: await openOrJoinIncident(deps.client, deps.taskQueue, start, req.alert) };
    },
  };
}
