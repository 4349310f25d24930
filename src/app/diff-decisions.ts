/**
 * `runbook diff-decisions`: what a new text of a runbook document would have decided. The evidence
 * past incidents recorded (every probe round in their histories) goes through the decision table
 * they ran and through the new one; every incident whose cause, severity or plan would differ is
 * listed with the rule that changed it. Real rounds (monitoring, verification) are read by both
 * tables too: one the new table reads differently would have moved the incident differently.
 */
import type { Client } from '@temporalio/client';
import {
  describeRunbookDocument,
  INCIDENT_WORKFLOW_TYPE,
  VISIBILITY_PAGE_SIZE,
  type RunbookDocumentPin,
} from '../contract/index.ts';
import { documentPinOf } from '../runbooks/index.ts';
import { compileRunbookDocument } from '../runbooks/documents/compile.ts';
import { RunbookDocumentSchema, type RunbookDocument } from '../runbooks/documents/schema.ts';
import {
  decisionTable,
  differences,
  replayDecision,
  replayRound,
  type DecisionTable,
  type Reading,
} from './decision-replay.ts';
import { IncidentNotFoundError, RequestRefusedError } from './errors.ts';
import { incidentHistories } from './history.ts';
import { incidentHandle } from './incidents.ts';
import { recordedEvidence, type RecordedEvidence } from './recorded-evidence.ts';
import { describeProblem } from '../runbooks/documents/validate.ts';
import { readRunbookDocumentFile } from '../worker/runbook-documents.ts';

export type Difference = 'cause' | 'severity' | 'plan' | 'monitoring';

export interface IncidentDiff {
  incidentId: string;
  startedAt: string | null;
  /** The text the incident ran. */
  ran: string;
  before: Reading | null;
  after: Reading | null;
  differences: Difference[];
  /** Real rounds read by both tables, and those the new one reads as another cause. */
  realRounds: { read: number; differing: Array<{ at: string; before: string; after: string }> };
  /** Anything the reader should know: blocked triage, a recorded cause the table no longer gives. */
  notes: string[];
}

export interface IncidentsDiff {
  runbook: string;
  document: string;
  compared: IncidentDiff[];
  /** Incidents in the window that ran another runbook. */
  otherRunbooks: number;
}

/** The new text to compare, read and validated as `runbook lint` does; refused with each problem's JSON path. */
export function readNewText(file: string): RunbookDocumentPin {
  const reading = readRunbookDocumentFile(file);
  if (reading.ok) return reading.pin;
  throw new RequestRefusedError(
    `${file} is not a valid runbook document: ${reading.problems.map(describeProblem).join('; ')} (check it with \`runbook lint ${file}\`)`,
  );
}

/** The table a document's text decides by. */
export function documentTable(pin: RunbookDocumentPin): DecisionTable {
  // Parsed as the engine parses a pinned text (runbookForIncident): sections a later format added get their defaults.
  const current = RunbookDocumentSchema.safeParse(pin.document);
  const doc = current.success ? current.data : (pin.document as RunbookDocument);
  return decisionTable(compileRunbookDocument(doc), describeRunbookDocument(pin), doc);
}

/** The table this engine has registered under a runbook id: the document it loaded. */
export function registeredTable(id: string): DecisionTable | null {
  const pin = documentPinOf(id);
  return pin ? documentTable(pin) : null;
}

/** The table an incident ran: the document it pinned; one that pinned none ran what the engine has under its id. */
function tableItRan(evidence: RecordedEvidence): DecisionTable | null {
  if (evidence.pin) return documentTable(evidence.pin);
  const registered = evidence.runbook ? registeredTable(evidence.runbook) : null;
  return registered && { ...registered, label: `${registered.label}, as registered now (it pinned no document)` };
}

export function compareIncident(evidence: RecordedEvidence, after: DecisionTable): IncidentDiff {
  const before = tableItRan(evidence);
  const diff: IncidentDiff = {
    incidentId: evidence.incidentId,
    startedAt: evidence.startedAt,
    ran: before?.label ?? `${evidence.runbook ?? 'unknown runbook'} (not known to this engine)`,
    before: null,
    after: null,
    differences: [],
    realRounds: { read: 0, differing: [] },
    notes: [],
  };
  if (!before) {
    diff.notes.push('the runbook it ran is not known to this engine: nothing to compare against');
    return diff;
  }
  // The triage the incident decided on: the first whose decisive probes reached the provider.
  const decided = evidence.judged.find((j) => replayDecision(before, j) !== null);
  if (!decided) diff.notes.push('triage never reached the provider (blocked): no decision to compare');
  else {
    diff.before = replayDecision(before, decided);
    diff.after = replayDecision(after, decided);
    if (diff.after === null) diff.notes.push("the new table's decisive probes are not in the recorded triage");
    diff.differences.push(...differences(diff.before, diff.after));
    const recorded = evidence.recordedCauses[0];
    if (recorded !== undefined && diff.before && recorded !== diff.before.cause)
      diff.notes.push(
        `it recorded ${recorded}; the text it ran reads ${diff.before.cause} from the same evidence today`,
      );
  }
  const context = evidence.thresholds ? { thresholds: evidence.thresholds } : {};
  for (const round of evidence.realRounds) {
    const old = replayRound(before, round.results, context);
    const now = replayRound(after, round.results, context);
    if (!old || !now) continue;
    diff.realRounds.read += 1;
    if (old.cause !== now.cause) diff.realRounds.differing.push({ at: round.at, before: old.cause, after: now.cause });
  }
  if (diff.realRounds.differing.length > 0) diff.differences.push('monitoring');
  return diff;
}

const QUOTE_SAFE = /^[A-Za-z0-9._-]+$/;
/** More incidents than this in one window is a window too wide to review. */
const MAX_INCIDENTS = 500;

async function incidentsSince(client: Client, since: Date): Promise<string[]> {
  const ids = new Set<string>();
  for await (const execution of client.workflow.list({
    query: `WorkflowType = '${INCIDENT_WORKFLOW_TYPE}' AND StartTime >= '${since.toISOString()}'`,
    pageSize: VISIBILITY_PAGE_SIZE,
  })) {
    ids.add(execution.workflowId);
    if (ids.size >= MAX_INCIDENTS) break;
  }
  return [...ids].sort();
}

export async function diffIncidents(
  client: Client,
  pin: RunbookDocumentPin,
  options: { since?: Date; incidents?: string[] },
): Promise<IncidentsDiff> {
  const after = documentTable(pin);
  const named = options.incidents ?? [];
  for (const id of named) {
    if (!QUOTE_SAFE.test(id))
      throw new RequestRefusedError(`bad incident id "${id}": letters, digits, dot, dash, underscore`);
    await incidentHandle(client, id).catch((err: unknown) => {
      throw err instanceof IncidentNotFoundError
        ? new RequestRefusedError(`unknown incident "${id}": no incident by that id on this Temporal server`)
        : err;
    });
  }
  const ids = named.length > 0 ? named : await incidentsSince(client, options.since ?? new Date(0));
  const result: IncidentsDiff = { runbook: pin.id, document: after.label, compared: [], otherRunbooks: 0 };
  for (const id of ids) {
    const evidence = recordedEvidence(id, await incidentHistories(client, id));
    if (evidence.runbook !== pin.id) {
      if (named.length > 0)
        throw new RequestRefusedError(
          `incident "${id}" ran runbook ${evidence.runbook ?? '(none: it never resolved its service)'}, not ${pin.id}: compare it with that runbook's document`,
        );
      result.otherRunbooks += 1;
      continue;
    }
    result.compared.push(compareIncident(evidence, after));
  }
  return result;
}
