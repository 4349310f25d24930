// src/workflows: deterministic workflow code only (no I/O): the incident workflow entry point and its engine, and the scheduled synthetic check.
import { ApplicationFailure, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  ErrorTypes,
  IncidentInputSchema,
  IncidentStartSchema,
  postmortemQuery,
  statusQuery,
  timelineQuery,
  type IncidentResult,
  type IncidentStart,
} from '../contract/index.ts';
import { catalogLookups } from './engine/activities.ts';
import { failureMessage } from './engine/evidence.ts';
import { runbookForIncident } from '../runbooks/index.ts';
import { documentTimings } from '../runbooks/documents/compile.ts';
import type { RunbookDocument } from '../runbooks/documents/schema.ts';
import { Incident } from './engine/incident.ts';
import { registerIncidentHandlers } from './handlers.ts';
import { freshSnapshot, type IncidentSnapshot } from './engine/snapshot.ts';

export { syntheticCheckWorkflow } from './synthetic-check.ts';

export type IncidentWorkflowArg = IncidentStart | { continuation: IncidentSnapshot };

const invalid = (issues: Array<{ path: PropertyKey[]; message: string }>) =>
  ApplicationFailure.nonRetryable(
    `invalid incident input: ${issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    ErrorTypes.InvalidIncidentInput,
  );

/** Followers may ask before the service is resolved: they see an incident in triage, not an error. */
function answerWhileResolving(start: { service: string; runbook?: string; reporter: string; symptom: string }): void {
  const startedAt = workflowInfo().startTime.toISOString();
  setHandler(timelineQuery, () => []);
  setHandler(postmortemQuery, () => 'Incident in progress.');
  setHandler(statusQuery, () => ({
    incidentId: workflowInfo().workflowId,
    runbook: start.runbook ?? 'unknown',
    state: 'investigating',
    communicationStatus: 'INVESTIGATING',
    severity: null,
    cause: null,
    rationale: null,
    owner: null,
    acknowledged: false,
    pendingApprovals: [],
    monitor: null,
    nextUpdateAt: null,
    mutations: [],
    startedAt,
    causes: [],
    blocker: null,
    alertsReceived: 0,
    handedOver: null,
    symptom: start.symptom,
    responseDueAt: null,
    endedAt: null,
    runbookDocument: null,
  }));
}

/** The start request names a service; the worker's catalog says where it is and what may be changed there (URLs, secrets, objects, policy). */
async function fromCatalog(arg: unknown): Promise<IncidentSnapshot> {
  const start = IncidentStartSchema.safeParse(arg);
  if (!start.success) throw invalid(start.error.issues);
  answerWhileResolving(start.data);
  const { service: name, ...request } = start.data;
  const resolved = await catalogLookups.resolveService({ name, runbook: request.runbook }).catch((err: unknown) => {
    throw ApplicationFailure.nonRetryable(failureMessage(err), ErrorTypes.UnknownService);
  });
  const pinned = resolved.runbookDocument;
  // A document's severity table sets the SLAs and update intervals the start request leaves out.
  const timings = pinned
    ? withDocumentTimings(
        pinned.document as RunbookDocument,
        request.timings,
        (arg as { timings?: RequestedTimings }).timings,
      )
    : request.timings;
  const input = IncidentInputSchema.parse({
    ...request,
    ...(timings ? { timings } : {}),
    ...(pinned ? { runbookDocument: pinned } : {}),
    runbook: resolved.runbook,
    service: resolved.target,
    policy: resolved.policy,
    ...(resolved.billedProbeBudget !== undefined ? { billedProbeBudget: resolved.billedProbeBudget } : {}),
    ...(resolved.billedProbesPerHour !== undefined ? { billedProbesPerHour: resolved.billedProbesPerHour } : {}),
  });
  // The SLA clock starts when the incident was opened (the server accepted the start), not when a worker got to it.
  return freshSnapshot(input, workflowInfo().workflowId, workflowInfo().startTime.toISOString(), resolved.name);
}

type RequestedTimings = { slaMs?: Record<string, number>; updateEveryMs?: Record<string, number | null> };

/** The start request's timings (defaults filled in), with the document's where the request itself named none. */
function withDocumentTimings(
  doc: RunbookDocument,
  parsed: IncidentStart['timings'],
  raw: RequestedTimings | undefined,
): IncidentStart['timings'] {
  const own = documentTimings(doc);
  return {
    ...parsed,
    slaMs: { ...parsed?.slaMs, ...own.slaMs, ...raw?.slaMs },
    updateEveryMs: { ...parsed?.updateEveryMs, ...own.updateEveryMs, ...raw?.updateEveryMs },
  };
}

/** One durable incident: triage → decide → approve → remediate → monitor → revert → postmortem. */
export async function incidentWorkflow(arg: IncidentWorkflowArg): Promise<IncidentResult> {
  const snapshot = 'continuation' in arg ? arg.continuation : await fromCatalog(arg);
  let runbook;
  try {
    runbook = runbookForIncident(snapshot.input);
  } catch (err) {
    throw ApplicationFailure.nonRetryable((err as Error).message, ErrorTypes.UnknownRunbook);
  }
  // The parts are composed once; the handlers talk to the part that owns what they touch.
  const incident = new Incident(snapshot, runbook);
  registerIncidentHandlers(incident);
  return incident.run();
}
