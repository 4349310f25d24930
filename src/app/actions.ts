import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { actionContextOf, actionRule, actUpdate, type ActionRequest, type HumanAction } from '../contract/index.ts';
import { noAnswerFromTemporal, OutcomeUnknownError, RequestRefusedError } from './errors.ts';
import { incidentHandle, incidentStatus } from './incidents.ts';
import { requireNotStuck } from './reported-problems.ts';
import { requireWorker } from './workers.ts';

const verb: Record<ActionRequest['action'], string> = {
  resolve: 'resolve',
  cancel: 'cancel',
  verify_again: 'verify again',
  revert_change: 'revert a change',
};
const requested: Record<ActionRequest['action'], string> = {
  resolve: 'the resolution',
  cancel: 'the cancellation',
  verify_again: 'the request to verify again',
  revert_change: 'the revert',
};

/**
 * Resolve, cancel, verify again or revert a chosen change: one update, so an action the incident's
 * state does not allow is refused at once with the reason (the action table), never turned into a failure.
 */
export async function act(client: Client, id: string, request: ActionRequest): Promise<string> {
  const { handle, running, description } = await incidentHandle(client, id);
  if (!running) throw new RequestRefusedError(`incident ${id} is closed: nothing to ${verb[request.action]}`);
  // An update waits for a worker, and for a workflow task that completes, indefinitely: without
  // either, say so instead of hanging.
  requireNotStuck(id, description, `take ${requested[request.action]}`);
  await requireWorker(client, description.taskQueue);
  try {
    const answer = await handle.executeUpdate(actUpdate, { args: [request] });
    if (!answer.accepted) throw new RequestRefusedError(answer.message);
    return answer.message;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const reason = err.cause instanceof Error ? err.cause.message : err.message;
      throw new RequestRefusedError(`${verb[request.action]} refused: ${reason}`);
    }
    if (err instanceof RequestRefusedError) throw err;
    // No answer: the update may have been recorded, and saying it was refused would be a guess.
    if (noAnswerFromTemporal(err)) throw new OutcomeUnknownError(requested[request.action], id, err);
    if (err instanceof WorkflowNotFoundError || (await incidentHandle(client, id)).running === false) {
      throw new RequestRefusedError(`incident ${id} is closed: nothing to ${verb[request.action]}`);
    }
    throw err;
  }
}

/**
 * For actions sent as signals (which answer nobody): refuse at once what the action table does not
 * allow in the incident's current state. Without a worker to answer, the signal goes as before.
 */
export async function requireActionAllowed(
  client: Client,
  id: string,
  action: HumanAction,
  step?: string,
): Promise<void> {
  const status = await incidentStatus(client, id).catch(() => null);
  if (!status) return;
  const rule = actionRule(status.state, action, actionContextOf(status.pendingApprovals, status.mutations, step));
  if (!rule.allowed)
    throw new RequestRefusedError(
      `${action.replace('_', ' ')} is not possible while incident ${id} is ${status.state}: ${rule.why}`,
    );
}
