/** Reading an incident's Temporal history: its runs (continue-as-new keeps one id) and the payloads its events carry. */
import { defaultPayloadConverter, type Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { INCIDENT_WORKFLOW_TYPE, VISIBILITY_PAGE_SIZE } from '../contract/index.ts';

export type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;
export const EventType = proto.temporal.api.enums.v1.EventType;

export const decodePayloads = (payloads: proto.temporal.api.common.v1.IPayloads | null | undefined): unknown[] =>
  (payloads?.payloads ?? []).map((p) => {
    try {
      return defaultPayloadConverter.fromPayload(p);
    } catch {
      return '(undecodable payload)';
    }
  });

export const eventTime = (event: HistoryEvent): string => {
  const t = event.eventTime;
  const ms = Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);
  return new Date(ms).toISOString();
};

/** Every run of an incident, oldest first; none when the server knows no incident by that id. */
export async function incidentRuns(
  client: Client,
  incidentId: string,
  options: { latestWhenUnlisted: boolean } = { latestWhenUnlisted: true },
): Promise<Array<{ runId: string; startTime: Date }>> {
  const runs: Array<{ runId: string; startTime: Date }> = [];
  for await (const execution of client.workflow.list({
    query: `WorkflowId = '${incidentId.replace(/'/g, '')}' AND WorkflowType = '${INCIDENT_WORKFLOW_TYPE}'`,
    pageSize: VISIBILITY_PAGE_SIZE,
  })) {
    runs.push({ runId: execution.runId, startTime: execution.startTime });
  }
  if (runs.length === 0 && options.latestWhenUnlisted) {
    // Visibility lags a moment behind: fall back to the latest run.
    const description = await client.workflow.getHandle(incidentId).describe();
    runs.push({ runId: description.runId, startTime: description.startTime });
  }
  return runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
}

/** The events of every run of an incident, run by run, oldest first. */
export async function incidentHistories(
  client: Client,
  incidentId: string,
): Promise<Array<{ runId: string; events: HistoryEvent[] }>> {
  const histories: Array<{ runId: string; events: HistoryEvent[] }> = [];
  for (const { runId } of await incidentRuns(client, incidentId))
    histories.push({ runId, events: await runHistory(client, incidentId, runId) });
  return histories;
}

/**
 * Events per page of a history read. The server's default page (1,000 events) of an incident that
 * received large signals, an alert flood, outgrows gRPC's 4 MB message limit.
 */
export const HISTORY_PAGE_SIZE = 100;

async function runHistory(client: Client, workflowId: string, runId: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.getWorkflowExecutionHistory({
      namespace: client.options.namespace,
      execution: { workflowId, runId },
      maximumPageSize: HISTORY_PAGE_SIZE,
      ...(nextPageToken ? { nextPageToken } : {}),
    });
    events.push(...(page.history?.events ?? []));
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return events;
}
