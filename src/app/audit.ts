import type { Client } from '@temporalio/client';
import type proto from '@temporalio/proto';
import { completedActivity, type AuditEntry } from './audit-activities.ts';
import {
  decodePayloads as decode,
  eventTime as time,
  EventType,
  incidentHistories,
  type HistoryEvent,
} from './history.ts';

export type { AuditEntry } from './audit-activities.ts';

/**
 * The audit trail as the server recorded it — every signal and update with its sender, every
 * probe and cluster change an activity reported, every timer that fired — across all runs of a
 * continued-as-new incident. Read from history, not from the workflow's own state.
 */
export async function auditIncident(client: Client, incidentId: string): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  for (const { runId, events } of await incidentHistories(client, incidentId))
    entries.push(...auditHistory(events, runId));
  return entries;
}

/** What reading one run's history remembers between events: activities scheduled, timers started. */
interface HistoryReading {
  runId: string;
  scheduled: Map<string, { type: string; input: unknown }>;
  timers: Map<string, string>;
}

type EventReader = (event: HistoryEvent, at: string, reading: HistoryReading) => AuditEntry[];

type Decoded = Record<string, unknown> | undefined;

const firstDecoded = (payloads: proto.temporal.api.common.v1.IPayloads | null | undefined): Decoded =>
  (decode(payloads) as Decoded[])[0];

function incidentStarted(event: HistoryEvent, at: string, { runId }: HistoryReading): AuditEntry[] {
  const attrs = event.workflowExecutionStartedEventAttributes!;
  const input = firstDecoded(attrs.input);
  const continued = Boolean(attrs.continuedExecutionRunId);
  return [
    {
      at,
      runId,
      kind: 'started',
      who: continued ? null : ((input?.reporter as string | undefined) ?? attrs.identity ?? null),
      what: continued
        ? 'run continued from the previous one (continue-as-new)'
        : `incident opened (${String(input?.trigger ?? 'unknown')}): ${String(input?.symptom ?? '')}`,
    },
  ];
}

function signalReceived(event: HistoryEvent, at: string, { runId }: HistoryReading): AuditEntry[] {
  const attrs = event.workflowExecutionSignaledEventAttributes!;
  const payload = firstDecoded(attrs.input);
  return [
    {
      at,
      runId,
      kind: 'signal',
      who: (payload?.by as string | undefined) ?? attrs.identity ?? null,
      what: describeSignal(attrs.signalName ?? '?', payload),
      data: { signal: attrs.signalName, identity: attrs.identity },
    },
  ];
}

function updateAccepted(event: HistoryEvent, at: string, { runId }: HistoryReading): AuditEntry[] {
  const attrs = event.workflowExecutionUpdateAcceptedEventAttributes!;
  const payload = firstDecoded(attrs.acceptedRequest?.input?.args);
  const name = attrs.acceptedRequest?.input?.name ?? '?';
  return [
    {
      at,
      runId,
      kind: 'update',
      who: (payload?.by as string | undefined) ?? attrs.acceptedRequest?.meta?.identity ?? null,
      what: describeSignal(
        name === 'decide' ? (payload?.decision === 'rejected' ? 'reject' : 'approve') : name,
        payload,
      ),
      data: { update: name },
    },
  ];
}

function activityScheduled(event: HistoryEvent, _at: string, { scheduled }: HistoryReading): AuditEntry[] {
  const attrs = event.activityTaskScheduledEventAttributes!;
  scheduled.set(String(event.eventId), { type: attrs.activityType?.name ?? '?', input: decode(attrs.input)[0] });
  return [];
}

function activityCompleted(event: HistoryEvent, at: string, { runId, scheduled }: HistoryReading): AuditEntry[] {
  const attrs = event.activityTaskCompletedEventAttributes!;
  const origin = scheduled.get(String(attrs.scheduledEventId));
  return completedActivity(origin?.type ?? '?', firstDecoded(attrs.result), at, runId);
}

function activityFailed(event: HistoryEvent, at: string, { runId, scheduled }: HistoryReading): AuditEntry[] {
  const attrs = event.activityTaskFailedEventAttributes;
  const origin = scheduled.get(String(attrs?.scheduledEventId));
  return [
    {
      at,
      runId,
      kind: 'activity',
      who: null,
      what: `${origin?.type ?? 'activity'} failed: ${attrs?.failure?.message ?? ''}`,
    },
  ];
}

function timerStarted(event: HistoryEvent, _at: string, { timers }: HistoryReading): AuditEntry[] {
  timers.set(
    String(event.eventId),
    String(Number(event.timerStartedEventAttributes?.startToFireTimeout?.seconds ?? 0)),
  );
  return [];
}

function timerFired(event: HistoryEvent, at: string, { runId, timers }: HistoryReading): AuditEntry[] {
  const seconds = timers.get(String(event.timerFiredEventAttributes?.startedEventId));
  return [{ at, runId, kind: 'timer', who: null, what: `timer fired${seconds ? ` after ${seconds} s` : ''}` }];
}

function continuedAsNew(_event: HistoryEvent, at: string, { runId }: HistoryReading): AuditEntry[] {
  return [{ at, runId, kind: 'continued', who: null, what: 'continued as new (history kept bounded)' }];
}

function incidentCompleted(event: HistoryEvent, at: string, { runId }: HistoryReading): AuditEntry[] {
  const result = firstDecoded(event.workflowExecutionCompletedEventAttributes?.result);
  return [{ at, runId, kind: 'closed', who: null, what: `incident closed: ${String(result?.state ?? 'completed')}` }];
}

function incidentEnded(event: HistoryEvent, at: string, { runId }: HistoryReading): AuditEntry[] {
  return [{ at, runId, kind: 'closed', who: null, what: `incident ended: ${EventType[event.eventType!] ?? 'closed'}` }];
}

/** The history events the audit reads, each with its reader; every other event says nothing. */
const eventReaders: Partial<Record<proto.temporal.api.enums.v1.EventType, EventReader>> = {
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED]: incidentStarted,
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED]: signalReceived,
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED]: updateAccepted,
  [EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED]: activityScheduled,
  [EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED]: activityCompleted,
  [EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED]: activityFailed,
  [EventType.EVENT_TYPE_TIMER_STARTED]: timerStarted,
  [EventType.EVENT_TYPE_TIMER_FIRED]: timerFired,
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW]: continuedAsNew,
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED]: incidentCompleted,
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED]: incidentEnded,
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED]: incidentEnded,
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT]: incidentEnded,
};

export function auditHistory(events: HistoryEvent[], runId: string): AuditEntry[] {
  const reading: HistoryReading = { runId, scheduled: new Map(), timers: new Map() };
  return events.flatMap((event) => {
    const reader = event.eventType == null ? undefined : eventReaders[event.eventType];
    return reader ? reader(event, time(event), reading) : [];
  });
}

function describeSignal(name: string, payload: Record<string, unknown> | undefined): string {
  const step = payload?.stepId ? ` ${String(payload.stepId)}` : '';
  const comment = payload?.comment ? ` — ${String(payload.comment)}` : '';
  switch (name) {
    case 'approve':
      return `approved${step}${comment}`;
    case 'reject':
      return `rejected${step}${comment}`;
    case 'provideSecretRef': {
      const ref = payload?.ref as Record<string, string> | undefined;
      return `provided secret reference${step}: ${ref ? `${ref.kind}:${ref.name ?? ref.path ?? ''}${ref.key ? `#${ref.key}` : ''}` : '?'}`;
    }
    case 'note':
    case 'setRootCause':
      return `${name === 'note' ? 'note' : 'root cause'}: ${String(payload?.text ?? '')}`;
    case 'resolve':
    case 'cancel':
      return `${name}: ${String(payload?.reason ?? '')}`;
    default:
      return name;
  }
}
