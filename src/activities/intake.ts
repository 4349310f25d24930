import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import {
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
} from '../contract/index.ts';

/** The Temporal client activities use to open incidents and read the schedule's ledger. */
export interface IntakeDeps {
  client: Client;
  taskQueue: string;
}

/**
 * The newest generation of each slot this process has seen, by namespace and first-generation id.
 * Every generation below it is closed (a later one is started only once the earlier one closed), so
 * starting from it never skips an open incident, and in steady state delivery is one server call.
 */
const knownGenerations = new Map<string, number>();

const slotKey = (client: Client, target: IntakeTarget, taskQueue: string) => `${client.options.namespace}/${alertIncidentId(target, taskQueue)}`;

function learnGeneration(key: string, generation: number): void {
  // Concurrent deliveries may finish out of order: the cache only moves forward.
  if (generation > (knownGenerations.get(key) ?? 1)) knownGenerations.set(key, generation);
}

/**
 * Opens the incident of (runbook, service) or joins the open one: signal-with-start on the newest
 * known generation's id (no lookup race). A running incident is joined (conflict policy use
 * existing); a closed one refuses its id (reuse policy reject duplicate), and the next generation's
 * id is tried, so that a closed incident's id is never given to another outage. Concurrent alerts
 * after a close all move to the same next generation, where the first starts it and the others join.
 * The alert intake and synthetic checks both come here, so they land in the same incident.
 */
export async function openOrJoinIncident(client: Client, taskQueue: string, start: IncidentStart & IntakeTarget, alert: AlertSignal): Promise<string> {
  const key = slotKey(client, start, taskQueue);
  for (let generation = knownGenerations.get(key) ?? 1; ; generation++) {
    const incidentId = alertIncidentId(start, taskQueue, generation);
    try {
      await client.workflow.signalWithStart<IncidentStarter, [AlertSignal]>(INCIDENT_WORKFLOW_TYPE, {
        taskQueue,
        workflowId: incidentId,
        args: [start],
        signal: alertSignal,
        signalArgs: [alert],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.state, value: 'investigating' }],
        memo: { summary: { symptom: start.symptom, reporter: start.reporter, trigger: start.trigger } },
      });
    } catch (err) {
      // With use-existing, "already started" means this generation is closed: the outage is a new one.
      if (err instanceof WorkflowExecutionAlreadyStartedError) continue;
      throw err;
    }
    learnGeneration(key, generation);
    return incidentId;
  }
}

/**
 * The id of the newest incident of (runbook, service), open or closed (the first generation's id
 * when none was ever opened): for whoever means "the incident of this slot", such as a resolved
 * alert. Walks forward from the newest generation known here, describing each id: a running one is
 * the newest (the next is opened only after it closed); a closed one is newest if the next does not
 * exist.
 */
export async function currentAlertIncidentId(client: Client, target: IntakeTarget, taskQueue: string): Promise<string> {
  const key = slotKey(client, target, taskQueue);
  const from = knownGenerations.get(key) ?? 1;
  let newest = from;
  for (let generation = from; ; generation++) {
    let running: boolean;
    try {
      running = (await client.workflow.getHandle(alertIncidentId(target, taskQueue, generation)).describe()).status.name === 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) break;
      throw err;
    }
    newest = generation;
    if (running) break;
  }
  learnGeneration(key, newest);
  return alertIncidentId(target, taskQueue, newest);
}

const needsClient = () =>
  ApplicationFailure.nonRetryable('this worker has no Temporal client for synthetic checks (ActivityDeps.intake)', ErrorTypes.IntakeUnavailable);

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
      for await (const run of deps.client.workflow.list({ query })) {
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
      const draft = { ...req.target, trigger: 'synthetic' as const, reporter: 'synthetic-check', symptom: req.alert.summary };
      const parsed = IncidentStartSchema.safeParse(draft);
      if (!parsed.success) throw ApplicationFailure.nonRetryable(`invalid synthetic incident: ${parsed.error.issues.map((i) => i.message).join('; ')}`, ErrorTypes.InvalidIncidentInput);
      const start = { ...draft, symptom: parsed.data.symptom };
      return { incidentId: await openOrJoinIncident(deps.client, deps.taskQueue, start, req.alert) };
    },
  };
}
