// src/app: what the CLI does, without the terminal: start, read, signal and follow incidents, drills; throws domain errors (errors.ts).
import {
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandleWithStartDetails,
} from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type SignalDefinition } from '@temporalio/common';
import {
  approveSignal,
  attentionOf,
  decideUpdate,
  INCIDENT_WORKFLOW_TYPE,
  IncidentStartSchema,
  incidentWorkflowId,
  postmortemQuery,
  rejectSignal,
  SEARCH_ATTRIBUTES,
  statusQuery,
  timelineQuery,
  type ApprovalVia,
  type IncidentAttention,
  type IncidentStart,
  type IncidentStatus,
  type TimelineEntry,
  VISIBILITY_PAGE_SIZE,
} from '../contract/index.ts';
import {
  formatZodError,
  IncidentNotFoundError,
  noAnswerFromTemporal,
  OutcomeUnknownError,
  RequestRefusedError,
} from './errors.ts';
import { requireClosedResult, statusOfClosed } from './closed-incident.ts';
import type { IncidentHandle, IncidentWorkflow } from './incident-workflow.ts';
import { describeProblem, requireNotStuck, workflowTaskProblem } from './reported-problems.ts';
import { requireWorker, workflowPollers } from './workers.ts';

export interface StartOptions {
  /**
   * Ask the server to hand the first workflow task straight back to a worker in this process
   * (eager workflow start): no trip through the task queue. Only for a client built on the same
   * NativeConnection as a worker polling `taskQueue`; the server falls back to the queue when it cannot.
   */
  eager?: boolean;
}

/** Suffixes tried on a generated id already taken (`-2` … ): more incidents of one symptom a day than that is a typo loop. */
const GENERATED_ID_TRIES = 50;

/**
 * Opens an incident for a service by name: nothing else about where or how reaches the worker.
 * Ids are never reused: Temporal refuses a start on any id it still knows, open or closed, so a
 * second incident never takes over the first's history, list row or postmortem. A generated id
 * (`incident-<yyyymmdd>-<slug>`) already taken gets the next free suffix (`-2`, `-3`…); an id the
 * caller chose is refused.
 */
export async function startIncident(
  client: Client,
  taskQueue: string,
  draft: IncidentStart,
  workflowId?: string,
  options: StartOptions = {},
): Promise<WorkflowHandleWithStartDetails<IncidentWorkflow>> {
  const parsed = IncidentStartSchema.safeParse(draft);
  if (!parsed.success) throw new RequestRefusedError(formatZodError(parsed.error, 'incident'));
  const chosen = workflowId ?? parsed.data.incidentId;
  const base =
    chosen ?? incidentWorkflowId(new Date(), parsed.data.symptom || parsed.data.suspectedCause || parsed.data.service);
  for (let n = 1; ; n += 1) {
    const id = n === 1 ? base : `${base}-${n}`;
    try {
      return await client.workflow.start<IncidentWorkflow>(INCIDENT_WORKFLOW_TYPE, {
        taskQueue,
        workflowId: id,
        args: [draft],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.state, value: 'investigating' }],
        memo: {
          summary: { symptom: parsed.data.symptom, reporter: parsed.data.reporter, trigger: parsed.data.trigger },
        },
        ...(options.eager ? { requestEagerStart: true } : {}),
      });
    } catch (err) {
      if (noAnswerFromTemporal(err)) throw new OutcomeUnknownError('the new incident', null, err);
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      if (chosen !== undefined) throw await idTaken(client, id);
      if (n >= GENERATED_ID_TRIES)
        throw new RequestRefusedError(
          `${GENERATED_ID_TRIES} incidents named ${base} already exist today: start this one with --id`,
          { existingIncidentId: base },
        );
    }
  }
}

/**
 * An open incident opened today for the same symptom (its generated id, or a suffixed one), if any:
 * the console offers it before opening a second one.
 */
export async function openIncidentForSymptom(client: Client, symptom: string): Promise<string | null> {
  const base = incidentWorkflowId(new Date(), symptom);
  for (let n = 1; n <= GENERATED_ID_TRIES; n += 1) {
    const id = n === 1 ? base : `${base}-${n}`;
    const status = await client.workflow
      .getHandle(id)
      .describe()
      .then(
        (d) => d.status.name,
        (err: unknown) => (err instanceof WorkflowNotFoundError ? null : Promise.reject(err)),
      );
    if (status === null) return null;
    if (status === 'RUNNING') return id;
  }
  return null;
}

/** Why a chosen id cannot be used: open (follow it) or closed (ids are never reused). */
async function idTaken(client: Client, id: string): Promise<RequestRefusedError> {
  const running = await client.workflow
    .getHandle(id)
    .describe()
    .then(
      (d) => d.status.name === 'RUNNING',
      () => false,
    );
  return new RequestRefusedError(
    running
      ? `an incident with id ${id} is already running — follow it with \`runbook status ${id} --follow\`, or start another with a new --id`
      : `incident id ${id} was already used by an incident that is closed, and ids are never reused (its postmortem and history stay its own) — start with a new --id, or without --id for a generated one`,
    running ? { existingIncidentId: id } : {},
  );
}

/** A handle to an incident that exists, or a message that says how to find one. */
export async function incidentHandle(
  client: Client,
  id: string,
): Promise<{ handle: IncidentHandle; running: boolean; description: WorkflowExecutionDescription }> {
  const handle = client.workflow.getHandle<IncidentWorkflow>(id);
  try {
    const description = await handle.describe();
    if (description.type !== INCIDENT_WORKFLOW_TYPE)
      throw new RequestRefusedError(`${id} is a ${description.type} workflow, not an incident`);
    return { handle, running: description.status.name === 'RUNNING', description };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new IncidentNotFoundError(id);
    throw err;
  }
}

/**
 * An open incident is read by query; one that closed before the query could be answered (a drill's
 * worker stops as its incident closes) is read from its history instead of failing.
 */
export async function readIncident<T>(
  client: Client,
  id: string,
  open: (handle: IncidentHandle, description: WorkflowExecutionDescription) => Promise<T>,
  closed: (handle: IncidentHandle, description: WorkflowExecutionDescription) => Promise<T>,
): Promise<T> {
  const { handle, running, description } = await incidentHandle(client, id);
  if (!running) return closed(handle, description);
  // A query waits for a workflow task that completes, and none will: say why at once.
  requireNotStuck(id, description, 'be read');
  try {
    await requireWorker(client, description.taskQueue);
    return await open(handle, description);
  } catch (err) {
    const now = await incidentHandle(client, id);
    if (now.running) {
      requireNotStuck(id, now.description, 'be read');
      throw err;
    }
    return closed(now.handle, now.description);
  }
}

export function incidentStatus(client: Client, id: string): Promise<IncidentStatus> {
  return readIncident(client, id, (handle) => handle.query(statusQuery), statusOfClosed);
}

export function incidentTimeline(client: Client, id: string): Promise<TimelineEntry[]> {
  return readIncident(
    client,
    id,
    (handle) => handle.query(timelineQuery),
    async (handle, description) => (await requireClosedResult(handle, description)).timeline,
  );
}

export function incidentPostmortem(client: Client, id: string): Promise<{ markdown: string; final: boolean }> {
  return readIncident<{ markdown: string; final: boolean }>(
    client,
    id,
    async (handle) => ({ markdown: await handle.query(postmortemQuery), final: false }),
    async (handle, description) => ({
      markdown: (await requireClosedResult(handle, description)).postmortem,
      final: true,
    }),
  );
}

/** Approve or reject with an immediate answer (update + validator); falls back to the signal. */
export async function decide(
  client: Client,
  id: string,
  input: {
    stepId: string;
    by: string;
    comment?: string;
    decision: 'approved' | 'rejected';
    via?: ApprovalVia;
    requestedAt?: string;
  },
): Promise<string> {
  const { handle, running, description } = await incidentHandle(client, id);
  if (!running)
    throw new RequestRefusedError(
      `incident ${id} is closed: nothing to ${input.decision === 'approved' ? 'approve' : 'reject'}`,
    );
  // An update waits for a worker, and for a workflow task that completes, indefinitely: without
  // either, say so instead of hanging.
  requireNotStuck(id, description, `take ${input.decision === 'approved' ? 'an approval' : 'a rejection'}`);
  await requireWorker(client, description.taskQueue);
  try {
    const answer = await handle.executeUpdate(decideUpdate, {
      args: [
        {
          stepId: input.stepId,
          by: input.by,
          comment: input.comment,
          decision: input.decision,
          via: input.via,
          ...(input.requestedAt ? { requestedAt: input.requestedAt } : {}),
        },
      ],
    });
    if (!answer.accepted) throw new RequestRefusedError(answer.message);
    return answer.message;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const reason = err.cause instanceof Error ? err.cause.message : err.message;
      throw new RequestRefusedError(`${input.decision === 'approved' ? 'approval' : 'rejection'} refused: ${reason}`);
    }
    if (err instanceof RequestRefusedError) throw err;
    // No answer: the update may have been recorded. Sending it again as a signal, or calling it refused, would be a guess.
    if (noAnswerFromTemporal(err)) throw new OutcomeUnknownError('the decision', id, err);
    // It closed between the check above and the update (e.g. the approval before this one finished it).
    if (err instanceof WorkflowNotFoundError || (await incidentHandle(client, id)).running === false) {
      throw new RequestRefusedError(
        `incident ${id} is closed: nothing to ${input.decision === 'approved' ? 'approve' : 'reject'}`,
      );
    }
    // Servers without updates: the signal path records invalid decisions on the timeline instead.
    await handle.signal(input.decision === 'approved' ? approveSignal : rejectSignal, {
      stepId: input.stepId,
      by: input.by,
      comment: input.comment,
      via: input.via,
      ...(input.requestedAt ? { requestedAt: input.requestedAt } : {}),
    });
    return `${input.decision === 'approved' ? 'approval' : 'rejection'} of ${input.stepId} sent as a signal`;
  }
}

/** What a signal records, as the person who sent it would name it. */
const SIGNALLED: Record<string, string> = {
  acknowledge: 'the acknowledgement',
  note: 'the note',
  setRootCause: 'the root cause',
  provideSecretRef: 'the secret reference',
};

/** Signals are durable, so they are sent without a worker; the answer says whether one will act on it now. */
export async function signalIncident<Payload>(
  client: Client,
  id: string,
  signal: SignalDefinition<[Payload]>,
  payload: Payload,
): Promise<{ taskQueue: string; workerPolling: boolean }> {
  const { handle, running, description } = await incidentHandle(client, id);
  if (!running) throw new RequestRefusedError(`incident ${id} is closed: \`${signal.name}\` changes nothing now`);
  try {
    await handle.signal(signal, payload);
  } catch (err) {
    if (noAnswerFromTemporal(err))
      throw new OutcomeUnknownError(SIGNALLED[signal.name] ?? `the ${signal.name} signal`, id, err);
    throw err;
  }
  return {
    taskQueue: description.taskQueue,
    workerPolling: (await workflowPollers(client, description.taskQueue)) !== 0,
  };
}

export interface IncidentRow {
  incidentId: string;
  /** The run this row shows: the runs of one incident (continued as new) share its id. */
  runId: string;
  status: string;
  state: string | null;
  severity: string | null;
  cause: string | null;
  startedAt: string;
  closedAt: string | null;
  /** Owner, approvals waiting and hand-over, from the incident's memo: no query, no worker. */
  attention: IncidentAttention;
  /** Temporal reports its workflow tasks failing or timing out in a row ("WorkflowTaskFailed: NonDeterministicError"). */
  problem: string | null;
  /** That problem is a workflow task failing on every attempt: the incident cannot go on without an operator. */
  stuck: boolean;
}

/** Which incidents to list: open ones unless `all`, and only those with the given search attributes. */
export interface IncidentFilters {
  all: boolean;
  severity?: string;
  cause?: string;
  state?: string;
}

const QUOTE_SAFE = /^[A-Za-z0-9_-]+$/;
/** Rows `listIncidents` returns at most: a list for people; a count reads `incidentRows` to the end. */
const LIST_ROWS_MAX = 500;

/** Every incident visibility has that matches, one row each, page by page. */
export async function* incidentRows(client: Client, options: IncidentFilters): AsyncGenerator<IncidentRow> {
  // A run that continued as new is part of the incident its last run shows: one row per incident.
  const clauses = [`WorkflowType = '${INCIDENT_WORKFLOW_TYPE}'`, `ExecutionStatus != 'ContinuedAsNew'`];
  if (!options.all) clauses.push(`ExecutionStatus = 'Running'`);
  if (options.severity) {
    if (!QUOTE_SAFE.test(options.severity)) throw new RequestRefusedError(`bad --severity ${options.severity}`);
    clauses.push(`${SEARCH_ATTRIBUTES.severity.name} = '${options.severity}'`);
  }
  if (options.cause) {
    if (!QUOTE_SAFE.test(options.cause)) throw new RequestRefusedError(`bad --cause ${options.cause}`);
    clauses.push(`${SEARCH_ATTRIBUTES.cause.name} = '${options.cause}'`);
  }
  if (options.state) {
    if (!QUOTE_SAFE.test(options.state)) throw new RequestRefusedError(`bad state ${options.state}`);
    clauses.push(`${SEARCH_ATTRIBUTES.state.name} = '${options.state}'`);
  }
  for await (const execution of client.workflow.list({
    query: clauses.join(' AND '),
    pageSize: VISIBILITY_PAGE_SIZE,
  })) {
    const attributes = execution.typedSearchAttributes;
    const problem = execution.status.name === 'RUNNING' ? workflowTaskProblem(attributes) : null;
    yield {
      incidentId: execution.workflowId,
      runId: execution.runId,
      status: execution.status.name,
      state: attributes.get(SEARCH_ATTRIBUTES.state) ?? null,
      severity: attributes.get(SEARCH_ATTRIBUTES.severity) ?? null,
      cause: attributes.get(SEARCH_ATTRIBUTES.cause) ?? null,
      startedAt: execution.startTime.toISOString(),
      closedAt: execution.closeTime?.toISOString() ?? null,
      attention: attentionOf(execution.memo),
      problem: problem ? describeProblem(problem) : null,
      stuck: problem?.stuck ?? false,
    };
  }
}

/** The incidents a person lists: the first `max` (500 at most) visibility returns. */
export async function listIncidents(
  client: Client,
  options: IncidentFilters,
  max = LIST_ROWS_MAX,
): Promise<IncidentRow[]> {
  const rows: IncidentRow[] = [];
  if (max <= 0) return rows;
  for await (const row of incidentRows(client, options)) {
    rows.push(row);
    if (rows.length >= Math.min(max, LIST_ROWS_MAX)) break;
  }
  return rows;
}
