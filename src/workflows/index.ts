import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import { IncidentInputSchema, type IncidentInputDraft, type IncidentResult } from '../contract/index.ts';
import { getRunbook } from '../runbooks/index.ts';
import { Incident } from './engine/incident.ts';
import { freshSnapshot, type IncidentSnapshot } from './engine/snapshot.ts';

export type IncidentWorkflowArg = IncidentInputDraft | { continuation: IncidentSnapshot };

/** One durable incident: triage → decide → approve → remediate → monitor → revert → postmortem. */
export async function incidentWorkflow(arg: IncidentWorkflowArg): Promise<IncidentResult> {
  let snapshot: IncidentSnapshot;
  if ('continuation' in arg) {
    snapshot = arg.continuation;
  } else {
    const parsed = IncidentInputSchema.safeParse(arg);
    if (!parsed.success) {
      throw ApplicationFailure.nonRetryable(
        `invalid incident input: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
        'InvalidIncidentInput',
      );
    }
    snapshot = freshSnapshot(parsed.data, workflowInfo().workflowId, new Date(Date.now()).toISOString());
  }
  let runbook;
  try {
    runbook = getRunbook(snapshot.input.runbook);
  } catch (err) {
    throw ApplicationFailure.nonRetryable((err as Error).message, 'UnknownRunbook');
  }
  const incident = new Incident(snapshot, runbook);
  incident.registerHandlers();
  return incident.run();
}
