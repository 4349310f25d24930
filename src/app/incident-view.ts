import type { Client } from '@temporalio/client';
import {
  postmortemQuery,
  statusQuery,
  timelineQuery,
  type IncidentStatus,
  type TimelineEntry,
} from '../contract/index.ts';
import { closedResult, closedStatus, requireRecord } from './closed-incident.ts';
import { readIncident } from './incidents.ts';
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
