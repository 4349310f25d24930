import type { Client } from '@temporalio/client';
import {
  postmortemQuery,
  statusQuery,
  timelineQuery,
  type IncidentStatus,
  type TimelineEntry,
} from '../contract/index.ts';
import { closedResult, closedStatus, requireRecord } from './closed-incident.ts';
import type { IncidentWorkflow } from './incident-workflow.ts';
import { listIncidents, readIncident, type IncidentRow } from './incidents.ts';
import { serviceOf } from './secret-refs.ts';

/** What the console shows of one incident, read at one moment. */
export interface IncidentView {
  incidentId: string;
  running: boolean;
  /** The service it was opened for (its memo); null until the worker wrote it. */
  service: string | null;
  status: IncidentStatus;
  timeline: TimelineEntry[];
  postmortem: { markdown: string; final: boolean };
}

/** Besides the status, what a reader asks for: a panel needs neither, a live stream the timeline, a page both. */
export type IncidentViewPart = 'timeline' | 'postmortem';
export type IncidentViewOf<P extends IncidentViewPart> = Pick<
  IncidentView,
  'incidentId' | 'running' | 'service' | 'status' | P
>;

/**
 * One read of an incident: one describe, then its queries while it runs (or, once closed, its
 * result read once from history). An incident that closes while it is read is shown closed.
 */
export function readIncidentView<P extends IncidentViewPart = never>(
  client: Client,
  id: string,
  parts: readonly P[] = [],
): Promise<IncidentViewOf<P>> {
  const wants = (part: IncidentViewPart) => (parts as readonly IncidentViewPart[]).includes(part);
  return readIncident(
    client,
    id,
    async (handle, description) => {
      const [status, timeline, postmortem] = await Promise.all([
        handle.query(statusQuery),
        wants('timeline') ? handle.query(timelineQuery) : undefined,
        wants('postmortem') ? handle.query(postmortemQuery) : undefined,
      ]);
      return {
        incidentId: id,
        running: true,
        service: serviceOf(description),
        status,
        ...(timeline ? { timeline } : {}),
        ...(postmortem !== undefined ? { postmortem: { markdown: postmortem, final: false } } : {}),
      } as IncidentViewOf<P>;
    },
    async (handle, description) => {
      const result = await closedResult(handle, description);
      const record = wants('timeline') || wants('postmortem') ? requireRecord(result, description) : null;
      return {
        incidentId: id,
        running: false,
        service: serviceOf(description),
        status: closedStatus(description, result),
        ...(record && wants('timeline') ? { timeline: record.timeline } : {}),
        ...(record && wants('postmortem') ? { postmortem: { markdown: record.postmortem, final: true } } : {}),
      } as IncidentViewOf<P>;
    },
  );
}

/**
 * What a list row's incident says of itself now: null when it is closed, stuck (it answers no query:
 * asking would only wait out the deadline), or when its worker does not answer within `timeoutMs`
 * (a query waits for a worker). A list or a metric must not fail, or hang, because of one incident.
 */
export async function currentStatus(
  client: Client,
  row: IncidentRow,
  timeoutMs: number,
): Promise<IncidentStatus | null> {
  if (row.status !== 'RUNNING' || row.stuck) return null;
  return client
    .withDeadline(Date.now() + timeoutMs, () =>
      client.workflow.getHandle<IncidentWorkflow>(row.incidentId).query(statusQuery),
    )
    .catch(() => null);
}

/** An incidents-list row with what a running incident's status query says now (null: closed, or not answered in time). */
export type IncidentListRow = IncidentRow & { current: IncidentStatus | null };

/**
 * The incidents list as the console shows it: visibility's rows (at most `limit`), each running one
 * with its status read within `timeoutMs`.
 */
export async function listIncidentsWithStatus(
  client: Client,
  filters: { all: boolean; severity?: string; state?: string },
  options: { limit: number; timeoutMs: number },
): Promise<IncidentListRow[]> {
  const rows = (await listIncidents(client, { all: filters.all, severity: filters.severity }))
    .filter((r) => !filters.state || r.state === filters.state)
    .slice(0, options.limit);
  return Promise.all(
    rows.map(async (row) => ({
      ...row,
      current: await currentStatus(client, row, options.timeoutMs),
    })),
  );
}
