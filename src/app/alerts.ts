// src/app: alerts become incidents — one open incident per (runbook, service), later alerts join it as timeline entries.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  alertIncidentId,
  alertSignal,
  IncidentStartSchema,
  type AlertSignal,
  type IncidentStart,
  type IntakeTarget,
} from '../contract/index.ts';
import { currentAlertIncidentId, openOrJoinIncident } from '../activities/intake.ts';
import { formatZodError, RequestRefusedError } from './errors.ts';
import type { IncidentWorkflow } from './incident-workflow.ts';

/** Where an alert belongs: the runbook and catalog service its labels name. */
export type AlertTarget = IntakeTarget;
export { alertIncidentId, currentAlertIncidentId };

export type AlertOutcome = 'opened-or-joined' | 'recorded' | 'nothing-open';

/**
 * A firing alert opens the incident or joins the open one with signal-with-start (no lookup race;
 * synthetic checks open incidents the same way). A closed incident's id is never reused: the next
 * outage of the slot gets the next generation's id. A resolved alert never opens anything: it is
 * recorded on the newest incident if it is open (which re-checks), or dropped. `timings` come from
 * the service's own configuration (production when absent), never from the alert.
 */
export async function deliverAlert(
  client: Client,
  taskQueue: string,
  target: AlertTarget,
  alert: AlertSignal,
  timings?: IncidentStart['timings'],
): Promise<{ incidentId: string; outcome: AlertOutcome }> {
  if (alert.status === 'resolved') {
    const incidentId = await currentAlertIncidentId(client, target, taskQueue);
    try {
      await client.workflow.getHandle<IncidentWorkflow>(incidentId).signal(alertSignal, alert);
      return { incidentId, outcome: 'recorded' };
    } catch (err) {
      // Not found covers "closed" too: a signal reaches only a running execution.
      if (err instanceof WorkflowNotFoundError) return { incidentId, outcome: 'nothing-open' };
      throw err;
    }
  }
  const draft: IncidentStart = {
    runbook: target.runbook,
    service: target.service,
    trigger: 'alert',
    reporter: alert.source,
    symptom: alert.summary,
    ...(timings ? { timings } : {}),
  };
  const parsed = IncidentStartSchema.safeParse(draft);
  if (!parsed.success) throw new RequestRefusedError(formatZodError(parsed.error, 'incident'));
  const incidentId = await openOrJoinIncident(
    client,
    taskQueue,
    { ...draft, runbook: target.runbook, symptom: parsed.data.symptom },
    alert,
  );
  return { incidentId, outcome: 'opened-or-joined' };
}

/** One try of `deliverAlert` that gives up after `timeoutMs` (the intake retries, and answers 503 when none got through). */
export function deliverAlertWithin(
  timeoutMs: number,
  ...[client, ...rest]: Parameters<typeof deliverAlert>
): ReturnType<typeof deliverAlert> {
  return client.withDeadline(Date.now() + timeoutMs, () => deliverAlert(client, ...rest));
}
