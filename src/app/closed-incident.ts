import { WorkflowFailedError, type WorkflowExecutionDescription, type WorkflowHandle } from '@temporalio/client';
import { communicationStatus, IncidentStateSchema, type IncidentResult, type IncidentStatus } from '../contract/index.ts';
import { CliError, EXIT } from '../cli/errors.ts';

/**
 * A closed incident's record comes from its history (the result), never from a query: a query
 * would need a worker to replay the whole workflow, and none may be running any more.
 */
export async function closedResult(handle: WorkflowHandle, description: WorkflowExecutionDescription): Promise<IncidentResult | null> {
  try {
    return (await handle.result()) as IncidentResult;
  } catch (err) {
    // Terminated, timed out or failed: no result, only the memo (see statusOfClosed).
    if (err instanceof WorkflowFailedError) return null;
    throw new CliError(`cannot read the result of ${description.workflowId}: ${(err as Error).message}`, EXIT.failure, { cause: err });
  }
}

export async function requireClosedResult(handle: WorkflowHandle, description: WorkflowExecutionDescription): Promise<IncidentResult> {
  const result = await closedResult(handle, description);
  if (!result) throw new CliError(`incident ${description.workflowId} ended ${description.status.name} without a record (see \`runbook audit ${description.workflowId}\`)`, EXIT.failure);
  return result;
}

interface MemoSummary {
  runbook?: string;
  state?: string;
  severity?: IncidentStatus['severity'];
  cause?: string | null;
  rationale?: string | null;
}

export async function statusOfClosed(handle: WorkflowHandle, description: WorkflowExecutionDescription): Promise<IncidentStatus> {
  const result = await closedResult(handle, description);
  const memo = ((description.memo ?? {}) as { summary?: MemoSummary }).summary ?? {};
  const memoState = IncidentStateSchema.safeParse(memo.state);
  const state = result?.state ?? (description.status.name === 'CANCELLED' ? 'cancelled' : memoState.success && ['resolved', 'closed', 'cancelled'].includes(memoState.data) ? memoState.data : 'failed');
  const owner = result?.timeline.find((e) => e.message.startsWith('Acknowledged by '))?.data as { by?: string } | undefined;
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
  };
}
