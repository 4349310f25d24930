import type { Client } from '@temporalio/client';
import {
  decodePayloads as decode,
  eventTime as time,
  EventType,
  incidentHistories,
  type HistoryEvent,
} from './history.ts';

export interface AuditEntry {
  at: string;
  runId: string;
  kind:
    | 'started'
    | 'signal'
    | 'update'
    | 'probe'
    | 'mutation'
    | 'revert'
    | 'notification'
    | 'timer'
    | 'continued'
    | 'closed'
    | 'activity';
  who: string | null;
  what: string;
  data?: unknown;
}

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

export function auditHistory(events: HistoryEvent[], runId: string): AuditEntry[] {
  const scheduled = new Map<string, { type: string; input: unknown }>();
  const timers = new Map<string, string>();
  const entries: AuditEntry[] = [];
  for (const event of events) {
    const at = time(event);
    switch (event.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: {
        const attrs = event.workflowExecutionStartedEventAttributes!;
        const [input] = decode(attrs.input) as Array<Record<string, unknown> | undefined>;
        const continued = Boolean(attrs.continuedExecutionRunId);
        entries.push({
          at,
          runId,
          kind: 'started',
          who: continued ? null : ((input?.reporter as string | undefined) ?? attrs.identity ?? null),
          what: continued
            ? 'run continued from the previous one (continue-as-new)'
            : `incident opened (${String(input?.trigger ?? 'unknown')}): ${String(input?.symptom ?? '')}`,
        });
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: {
        const attrs = event.workflowExecutionSignaledEventAttributes!;
        const [payload] = decode(attrs.input) as Array<Record<string, unknown> | undefined>;
        entries.push({
          at,
          runId,
          kind: 'signal',
          who: (payload?.by as string | undefined) ?? attrs.identity ?? null,
          what: describeSignal(attrs.signalName ?? '?', payload),
          data: { signal: attrs.signalName, identity: attrs.identity },
        });
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: {
        const attrs = event.workflowExecutionUpdateAcceptedEventAttributes!;
        const [payload] = decode(attrs.acceptedRequest?.input?.args) as Array<Record<string, unknown> | undefined>;
        const name = attrs.acceptedRequest?.input?.name ?? '?';
        entries.push({
          at,
          runId,
          kind: 'update',
          who: (payload?.by as string | undefined) ?? attrs.acceptedRequest?.meta?.identity ?? null,
          what: describeSignal(
            name === 'decide' ? (payload?.decision === 'rejected' ? 'reject' : 'approve') : name,
            payload,
          ),
          data: { update: name },
        });
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
        const attrs = event.activityTaskScheduledEventAttributes!;
        scheduled.set(String(event.eventId), { type: attrs.activityType?.name ?? '?', input: decode(attrs.input)[0] });
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: {
        const attrs = event.activityTaskCompletedEventAttributes!;
        const origin = scheduled.get(String(attrs.scheduledEventId));
        const [result] = decode(attrs.result) as Array<Record<string, unknown> | undefined>;
        entries.push(...completedActivity(origin?.type ?? '?', result, at, runId));
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED: {
        const origin = scheduled.get(String(event.activityTaskFailedEventAttributes?.scheduledEventId));
        entries.push({
          at,
          runId,
          kind: 'activity',
          who: null,
          what: `${origin?.type ?? 'activity'} failed: ${event.activityTaskFailedEventAttributes?.failure?.message ?? ''}`,
        });
        break;
      }
      case EventType.EVENT_TYPE_TIMER_STARTED:
        timers.set(
          String(event.eventId),
          String(Number(event.timerStartedEventAttributes?.startToFireTimeout?.seconds ?? 0)),
        );
        break;
      case EventType.EVENT_TYPE_TIMER_FIRED: {
        const seconds = timers.get(String(event.timerFiredEventAttributes?.startedEventId));
        entries.push({
          at,
          runId,
          kind: 'timer',
          who: null,
          what: `timer fired${seconds ? ` after ${seconds} s` : ''}`,
        });
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
        entries.push({ at, runId, kind: 'continued', who: null, what: 'continued as new (history kept bounded)' });
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED: {
        const [result] = decode(event.workflowExecutionCompletedEventAttributes?.result) as Array<
          Record<string, unknown> | undefined
        >;
        entries.push({
          at,
          runId,
          kind: 'closed',
          who: null,
          what: `incident closed: ${String(result?.state ?? 'completed')}`,
        });
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
        entries.push({
          at,
          runId,
          kind: 'closed',
          who: null,
          what: `incident ended: ${EventType[event.eventType] ?? 'closed'}`,
        });
        break;
      default:
        break;
    }
  }
  return entries;
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

type Round = { at?: string; results?: Array<Record<string, unknown>> };

/** One line per probe of a batched round (`runProbes`), or of the triage and each confirmation round (`judgeRounds`, at the time each ran). */
function completedActivity(
  type: string,
  result: Record<string, unknown> | undefined,
  at: string,
  runId: string,
): AuditEntry[] {
  const probes = (results: unknown, when: string, prefix = '') =>
    (Array.isArray(results) ? (results as Array<Record<string, unknown>>) : []).flatMap((one) => {
      const entry = describeActivity('runProbe', one, when, runId);
      return entry ? [{ ...entry, what: `${prefix}${entry.what}` }] : [];
    });
  if (type === 'runProbes') return probes(result, at);
  if (type === 'judgeRounds' && result) {
    const triage = result.triage as Round | undefined;
    const confirmations = (Array.isArray(result.confirmations) ? result.confirmations : []) as Round[];
    return [
      ...probes(triage?.results, triage?.at ?? at),
      ...confirmations.flatMap((r, i) => probes(r.results, r.at ?? at, `confirmation ${i + 1}: `)),
    ];
  }
  const entry = describeActivity(type, result, at, runId);
  return entry ? [entry] : [];
}

function describeActivity(
  type: string,
  result: Record<string, unknown> | undefined,
  at: string,
  runId: string,
): AuditEntry | null {
  if (!result) return null;
  switch (type) {
    case 'runProbe':
      return {
        at,
        runId,
        kind: 'probe',
        who: null,
        what: `probe ${String(result.probe)}: ${result.ok ? 'ok' : 'FAIL'}${result.httpStatus != null ? ` HTTP ${String(result.httpStatus)}` : ''}${result.errorKind ? ` ${String(result.errorKind)}` : ''}`,
        data: result,
      };
    case 'applyMutation':
      if (result.drift)
        return {
          at,
          runId,
          kind: 'mutation',
          who: null,
          what: `not applied ${String(result.step)}: ${String(result.change)} was changed by hand since; left as the human set it`,
          data: { step: result.step, target: result.target, drift: result.drift },
        };
      return {
        at,
        runId,
        kind: 'mutation',
        who: null,
        what: `applied ${String(result.step)}: ${String(result.change)} (${String(result.mode)}) — ${String(result.kubectl)}`,
        data: {
          step: result.step,
          target: result.target,
          change: result.change,
          previous: result.previous,
          kubectl: result.kubectl,
          mode: result.mode,
        },
      };
    case 'revertMutation':
      // A revert that found a value set by hand wrote nothing there: the audit must not say it restored.
      if (result.drift)
        return {
          at,
          runId,
          kind: 'revert',
          who: null,
          what: `not reverted ${String(result.step)}: ${String(result.change)} was changed by hand since; left as the human set it`,
          data: { step: result.step, drift: result.drift },
        };
      return {
        at,
        runId,
        kind: 'revert',
        who: null,
        what: `reverted ${String(result.step)}: ${String(result.change)} restored to its prior state`,
        data: { step: result.step, previous: result.previous, revertKubectl: result.revertKubectl },
      };
    case 'notify':
      return {
        at,
        runId,
        kind: 'notification',
        who: null,
        what: `stakeholder update delivered to ${Array.isArray(result) ? result.length : 0} sink(s)`,
      };
    default:
      return null;
  }
}
