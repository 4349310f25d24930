/**
 * The evidence an incident recorded, read back from its Temporal history: the runbook it ran (the
 * document it pinned, from the catalog lookup or a continued run's input), every probe round
 * (the triage and confirmation rounds of `judgeRounds`, the real rounds of `runProbes`), and the
 * causes it recorded (its search-attribute updates). Nothing is asked of a worker.
 */
import type {
  IncidentInput,
  JudgeRoundsRequest,
  JudgeRoundsResult,
  ProbeResult,
  RunbookDocumentPin,
} from '../contract/index.ts';
import { SEARCH_ATTRIBUTES } from '../contract/index.ts';
import { decodePayloads, EventType, eventTime, type HistoryEvent } from './history.ts';

export interface RecordedRound {
  at: string;
  results: ProbeResult[];
}

export interface RecordedEvidence {
  incidentId: string;
  /** The runbook id the incident ran, when the history says (null: it never got past the catalog lookup). */
  runbook: string | null;
  pin: RunbookDocumentPin | null;
  reportedCause?: string;
  thresholds?: Record<string, number>;
  /** Every `judgeRounds` call, in order: what it was asked (history, thresholds, confirmation rule) and the triage (again while blocked) and confirmation rounds it returned. */
  judged: Array<{ request: JudgeRoundsRequest; result: JudgeRoundsResult }>;
  /** Every round of real calls made outside triage (monitoring, verification), in order. */
  realRounds: RecordedRound[];
  /** The causes the incident recorded, in order (the first is the triage decision). */
  recordedCauses: string[];
  startedAt: string | null;
}

type Resolved = { runbook?: string; runbookDocument?: RunbookDocumentPin };

function startInput(event: HistoryEvent): Partial<IncidentInput> {
  const [arg] = decodePayloads(event.workflowExecutionStartedEventAttributes?.input) as Array<
    Record<string, unknown> | undefined
  >;
  const continued = arg?.continuation as { input?: Partial<IncidentInput> } | undefined;
  return continued?.input ?? (arg as Partial<IncidentInput> | undefined) ?? {};
}

/** A local activity's result, when the marker is the one of `type`. */
function localActivityResult(event: HistoryEvent, type: string): unknown {
  const details = event.markerRecordedEventAttributes?.details ?? {};
  const [data] = decodePayloads(details.data) as Array<{ activity_type?: string } | undefined>;
  if (data?.activity_type !== type) return undefined;
  return decodePayloads(details.result)[0];
}

function recordedCause(event: HistoryEvent): string | null {
  const field =
    event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.[
      SEARCH_ATTRIBUTES.cause.name
    ];
  if (!field) return null;
  const [value] = decodePayloads({ payloads: [field] });
  return typeof value === 'string' ? value : Array.isArray(value) ? String(value[0]) : null;
}

/** Reads the runs of one incident, oldest first. */
export function recordedEvidence(incidentId: string, runs: Array<{ events: HistoryEvent[] }>): RecordedEvidence {
  const evidence: RecordedEvidence = {
    incidentId,
    runbook: null,
    pin: null,
    judged: [],
    realRounds: [],
    recordedCauses: [],
    startedAt: null,
  };
  for (const { events } of runs) {
    const scheduled = new Map<string, { type: string; input: unknown }>();
    for (const event of events) {
      switch (event.eventType) {
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: {
          const input = startInput(event);
          evidence.startedAt ??= eventTime(event);
          if (input.runbookDocument) evidence.pin = input.runbookDocument;
          if (typeof input.runbook === 'string' && input.service && typeof input.service === 'object')
            evidence.runbook = input.runbook;
          if (input.suspectedCause) evidence.reportedCause = input.suspectedCause;
          if (input.decisionThresholds) evidence.thresholds = input.decisionThresholds;
          break;
        }
        case EventType.EVENT_TYPE_MARKER_RECORDED: {
          const resolved = localActivityResult(event, 'resolveService') as Resolved | undefined;
          if (resolved?.runbook) evidence.runbook = resolved.runbook;
          if (resolved?.runbookDocument) evidence.pin = resolved.runbookDocument;
          break;
        }
        case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
          scheduled.set(String(event.eventId), {
            type: event.activityTaskScheduledEventAttributes?.activityType?.name ?? '?',
            input: decodePayloads(event.activityTaskScheduledEventAttributes?.input)[0],
          });
          break;
        case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: {
          const attrs = event.activityTaskCompletedEventAttributes!;
          const origin = scheduled.get(String(attrs.scheduledEventId));
          const [result] = decodePayloads(attrs.result);
          if (origin?.type === 'judgeRounds')
            evidence.judged.push({ request: origin.input as JudgeRoundsRequest, result: result as JudgeRoundsResult });
          if (origin?.type === 'runProbes')
            evidence.realRounds.push({ at: eventTime(event), results: result as ProbeResult[] });
          break;
        }
        case EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
          const cause = recordedCause(event);
          if (cause !== null && cause !== evidence.recordedCauses.at(-1)) evidence.recordedCauses.push(cause);
          break;
        }
      }
    }
  }
  return evidence;
}
