// src/app: alerts become incidents — one open incident per (runbook, service), later alerts join it as timeline entries.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { alertSignal, INCIDENT_WORKFLOW_TYPE, IncidentStartSchema, SEARCH_ATTRIBUTES, type AlertSignal, type IncidentStart } from '../contract/index.ts';
import { formatZodError, RequestRefusedError } from './errors.ts';
import type { IncidentWorkflow } from './incident-workflow.ts';

/** Where an alert belongs: the runbook and catalog service its labels name. */
export interface AlertTarget {
  runbook: string;
  service: string;
}

/**
 * The one workflow id of an alert-opened incident per (runbook, service) on this engine. The task
 * queue is part of it: engines sharing a namespace on different task queues are separate engines.
 */
export function alertIncidentId(target: AlertTarget, taskQueue: string): string {
  return `incident-${target.runbook}-${target.service}.${taskQueue}`.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 120);
}

export type AlertOutcome = 'opened-or-joined' | 'recorded' | 'nothing-open';

/**
 * A firing alert opens the incident or joins the open one in one server call (signal-with-start:
 * no lookup race). The id of a closed incident is reused by the next outage. A resolved alert
 * never opens anything: it is recorded on the open incident (which re-checks), or dropped.
 * `timings` come from the service's own configuration (production when absent), never from the alert.
 */
export async function deliverAlert(
  client: Client,
  taskQueue: string,
  target: AlertTarget,
  alert: AlertSignal,
  timings?: IncidentStart['timings'],
): Promise<{ incidentId: string; outcome: AlertOutcome }> {
  const incidentId = alertIncidentId(target, taskQueue);
  if (alert.status === 'resolved') {
    try {
      await client.workflow.getHandle<IncidentWorkflow>(incidentId).signal(alertSignal, alert);
      return { incidentId, outcome: 'recorded' };
    } catch (err) {
      // Not found covers "closed" too: a signal reaches only a running execution.
      if (err instanceof WorkflowNotFoundError) return { incidentId, outcome: 'nothing-open' };
      throw err;
    }
  }
  const draft: IncidentStart = { runbook: target.runbook, service: target.service, trigger: 'alert', reporter: alert.source, symptom: alert.summary, ...(timings ? { timings } : {}) };
  const parsed = IncidentStartSchema.safeParse(draft);
  if (!parsed.success) throw new RequestRefusedError(formatZodError(parsed.error, 'incident'));
  await client.workflow.signalWithStart<IncidentWorkflow, [AlertSignal]>(INCIDENT_WORKFLOW_TYPE, {
    taskQueue,
    workflowId: incidentId,
    args: [draft],
    signal: alertSignal,
    signalArgs: [alert],
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.state, value: 'investigating' }],
    memo: { summary: { symptom: parsed.data.symptom, reporter: parsed.data.reporter, trigger: parsed.data.trigger } },
  });
  return { incidentId, outcome: 'opened-or-joined' };
}
