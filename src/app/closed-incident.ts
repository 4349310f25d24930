import { WorkflowFailedError, type WorkflowExecutionDescription } from '@temporalio/client';
import type { IncidentHandle } from './incident-workflow.ts';
import {
  communicationStatus,
  IncidentStateSchema,
  type IncidentResult,
  type IncidentStatus,
} from '../contract/index.ts';
import { OperationFailedError } from './errors.ts';

/**
 * A closed incident's record comes from its history (the result), never from a query: a query
 * would need a worker to replay the whole workflow, and none may be running any more.
 */
export async function closedResult(
  handle: IncidentHandle,
  description: WorkflowExecutionDescription,
): Promise<IncidentResult | null> {
  try {
    return await handle.result();
  } catch (err) {
    // Terminated, timed out or failed: no result, only the memo (see statusOfClosed).
    if (err instanceof WorkflowFailedError) return null;
    throw new OperationFailedError(`cannot read the result of ${description.workflowId}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

export async function requireClosedResult(
  handle: IncidentHandle,
  description: WorkflowExecutionDescription,
): Promise<IncidentResult> {
  return requireRecord(await closedResult(handle, description), description);
}

/** A closed incident's result, or why there is none to show (terminated, timed out, failed). */
export function requireRecord(
  result: IncidentResult | null,
  description: WorkflowExecutionDescription,
): IncidentResult {
  if (!result)
    throw new OperationFailedError(
      `incident ${description.workflowId} ended ${description.status.name} without a record (see \`runbook audit ${description.workflowId}\`)`,
    );
  return result;
}

interface MemoSummary {
  runbook?: string;
  state?: string;
  severity?: IncidentStatus['severity'];
  cause?: string | null;
  rationale?: string | null;
  symptom?: string;
  runbookDocument?: IncidentStatus['runbookDocument'];
}

export async function statusOfClosed(
  handle: IncidentHandle,
  description: WorkflowExecutionDescription,
): Promise<IncidentStatus> {
  return closedStatus(description, await closedResult(handle, description));
}

/** A closed incident's status from its result, or from its memo when it has none. */
export function closedStatus(description: WorkflowExecutionDescription, result: IncidentResult | null): IncidentStatus {
  const memo = ((description.memo ?? {}) as { summary?: MemoSummary }).summary ?? {};
  const memoState = IncidentStateSchema.safeParse(memo.state);
  const state =
    result?.state ??
    (description.status.name === 'CANCELLED'
      ? 'cancelled'
      : memoState.success && ['resolved', 'closed', 'cancelled'].includes(memoState.data)
        ? memoState.data
        : 'failed');
  const owner = result?.timeline.find((e) => e.message.startsWith('Acknowledged by '))?.data as
    { by?: string } | undefined;
  return {
    incidentId: description.workflowId,
    runbook: memo.runbook ?? 'unknown',
    state,
    communicationStatus: communicationStatus(state),
    severity: result?.severity ?? memo.severity ?? null,
    cause: result?.cause ?? memo.cause ?? null,
    rationale: result?.decision?.rationale ?? memo.rationale ?? null,
    owner: owner?.by ?? null,
    acknowledged: Boolean(owner?.by),
    pendingApprovals: [],
    monitor: null,
    nextUpdateAt: null,
    mutations: result?.mutations ?? [],
    startedAt: description.startTime.toISOString(),
    causes: result?.causes ?? [],
    blocker: null,
    alertsReceived: 0,
    handedOver: null,
    symptom: memo.symptom ?? '',
    responseDueAt: null,
    endedAt: description.closeTime?.toISOString() ?? null,
    runbookDocument: memo.runbookDocument ?? null,
  };
}
