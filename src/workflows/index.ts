import { ApplicationFailure, patched, workflowInfo } from '@temporalio/workflow';
import { IncidentInputSchema, type IncidentInputDraft, type IncidentResult } from '../contract/index.ts';
import { getRunbook } from '../runbooks/index.ts';
import { Incident } from './engine/incident.ts';
import { freshSnapshot, type IncidentSnapshot } from './engine/snapshot.ts';

/** Evidence quality, the observer, confirmation and re-triage (README: "How the engine judges"). */
export const JUDGEMENT_V2_PATCH = 'judgement-v2';

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
    if (!patched(JUDGEMENT_V2_PATCH)) {
      // Started before judgement v2: replay exactly as it ran, with the defaults of that time.
      delete snapshot.engine;
      if ((arg as IncidentInputDraft).billedProbeBudget === undefined) snapshot.input = { ...snapshot.input, billedProbeBudget: 20 };
    }
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
