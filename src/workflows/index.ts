// src/workflows: deterministic workflow code only (no I/O): the incident workflow entry point and its engine, and the scheduled synthetic check.
import { ApplicationFailure, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  ErrorTypes,
  IncidentInputSchema,
  IncidentStartSchema,
  postmortemQuery,
  statusQuery,
  timelineQuery,
  type IncidentInputDraft,
  type IncidentResult,
  type IncidentStart,
} from '../contract/index.ts';
import { catalogActivities } from './engine/activities.ts';
import { failureMessage } from './engine/evidence.ts';
import { defaultRunbookId, runbookForIncident } from '../runbooks/index.ts';
import { documentTimings } from '../runbooks/documents/compile.ts';
import type { RunbookDocument } from '../runbooks/documents/schema.ts';
import { Incident } from './engine/incident.ts';
import { registerIncidentHandlers } from './handlers.ts';
import { freshSnapshot, type IncidentSnapshot } from './engine/snapshot.ts';

export { syntheticCheckWorkflow } from './synthetic-check.ts';

/** Evidence quality, the observer, confirmation and re-triage (README: "How the engine judges"). */
export const JUDGEMENT_V2_PATCH = 'judgement-v2';

/** Incidents name their service; the worker's catalog says where it is (README: "Service catalog"). */
export const SERVICE_CATALOG_PATCH = 'service-catalog';

/**
 * Fewer round trips (README: "Round trips and billed calls per incident"): one activity per triage
 * round, timing probes instead of a second billed call, no upsert that changes nothing. It implies
 * the two patches above, batched probe rounds and the secret-reference gate, so a new incident
 * records this one marker instead of three. The snapshot keeps it (`lean`) across continue-as-new.
 */
export const LEAN_ROUNDS_PATCH = 'lean-rounds';

export type IncidentWorkflowArg = IncidentStart | IncidentInputDraft | { continuation: IncidentSnapshot };

const invalid = (issues: Array<{ path: PropertyKey[]; message: string }>) =>
  ApplicationFailure.nonRetryable(`invalid incident input: ${issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ')}`, ErrorTypes.InvalidIncidentInput);

/** Followers may ask before the service is resolved: they see an incident in triage, not an error. */
function answerWhileResolving(start: { service: string; runbook?: string; reporter: string }): void {
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
    runbookDocument: null,
  }));
}

/** Since the catalog: the start request names a service; URLs, secrets, objects and policy come from the worker. */
async function fromCatalog(arg: unknown): Promise<IncidentSnapshot> {
  const start = IncidentStartSchema.safeParse(arg);
  if (!start.success) throw invalid(start.error.issues);
  answerWhileResolving(start.data);
  const { service: name, ...request } = start.data;
  const resolved = await catalogActivities.resolveService({ name, runbook: request.runbook }).catch((err: unknown) => {
    throw ApplicationFailure.nonRetryable(failureMessage(err), ErrorTypes.UnknownService);
  });
  const pinned = resolved.runbookDocument;
  // A document's severity table sets the SLAs and update intervals the start request leaves out.
  const timings = pinned ? withDocumentTimings(pinned.document as RunbookDocument, request.timings, (arg as { timings?: RequestedTimings }).timings) : request.timings;
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
  return { ...freshSnapshot(input, workflowInfo().workflowId, workflowInfo().startTime.toISOString()), serviceName: resolved.name };
}

type RequestedTimings = { slaMs?: Record<string, number>; updateEveryMs?: Record<string, number | null> };

/** The start request's timings (defaults filled in), with the document's where the request itself named none. */
function withDocumentTimings(doc: RunbookDocument, parsed: IncidentStart['timings'], raw: RequestedTimings | undefined): IncidentStart['timings'] {
  const own = documentTimings(doc);
  return { ...parsed, slaMs: { ...parsed?.slaMs, ...own.slaMs, ...raw?.slaMs }, updateEveryMs: { ...parsed?.updateEveryMs, ...own.updateEveryMs, ...raw?.updateEveryMs } };
}

/** One durable incident: triage → decide → approve → remediate → monitor → revert → postmortem. */
export async function incidentWorkflow(arg: IncidentWorkflowArg): Promise<IncidentResult> {
  let snapshot: IncidentSnapshot;
  if ('continuation' in arg) {
    snapshot = arg.continuation;
  } else {
    const lean = patched(LEAN_ROUNDS_PATCH);
    const judgement = lean || patched(JUDGEMENT_V2_PATCH);
    if (judgement && (lean || patched(SERVICE_CATALOG_PATCH))) {
      snapshot = await fromCatalog(arg);
      if (lean) snapshot.lean = true;
    } else {
      // Started before the catalog (replay only: new incidents take the branch above).
      // Inputs recorded before the runbook was required ran the first registered runbook.
      const draft = arg as IncidentInputDraft;
      const parsed = IncidentInputSchema.safeParse({ ...draft, runbook: draft.runbook ?? defaultRunbookId() });
      if (!parsed.success) throw invalid(parsed.error.issues);
      snapshot = freshSnapshot(parsed.data, workflowInfo().workflowId, new Date(Date.now()).toISOString());
      if (!judgement) {
        // Started before judgement v2: replay exactly as it ran, with the defaults of that time.
        delete snapshot.engine;
        if (draft.billedProbeBudget === undefined) snapshot.input = { ...snapshot.input, billedProbeBudget: 20 };
      }
    }
  }
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
