import type { Client } from '@temporalio/client';
import { ApplicationFailure, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
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
 * Opens the incident of (runbook, service) or joins the open one, in one server call
 * (signal-with-start: no lookup race). The id of a closed incident is reused by the next outage.
 * The alert intake and synthetic checks both come here, so they land in the same incident.
 */
export async function openOrJoinIncident(client: Client, taskQueue: string, start: IncidentStart & IntakeTarget, alert: AlertSignal): Promise<string> {
  const incidentId = alertIncidentId(start, taskQueue);
  await client.workflow.signalWithStart<IncidentStarter, [AlertSignal]>(INCIDENT_WORKFLOW_TYPE, {
    taskQueue,
    workflowId: incidentId,
    args: [start],
    signal: alertSignal,
    signalArgs: [alert],
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.state, value: 'investigating' }],
    memo: { summary: { symptom: start.symptom, reporter: start.reporter, trigger: start.trigger } },
  });
  return incidentId;
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
    /** The synthetic check's fault as a firing alert: the same incident id and signal-with-start as the alert intake. */
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
