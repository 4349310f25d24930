// src/runbooks: the runbook registry; each runbook is a document (docs/runbooks.md) compiled against runbooks/types: the built-in ones live in src/runbooks/<id>/runbook.yaml.
import type { RunbookDocumentPin } from '../contract/index.ts';
import type { RunbookDefinition } from './types.ts';
import { compileRunbookDocument } from './documents/compile.ts';
import { compiledDocument, deepFreeze } from './documents/compiled-documents.ts';
import { RunbookDocumentSchema, type RunbookDocument } from './documents/schema.ts';

export type { RunbookDefinition } from './types.ts';

const RUNBOOKS: Record<string, RunbookDefinition> = {};
/** Documents loaded by this process (src/worker/runbook-documents.ts), by runbook id. */
const DOCUMENTS = new Map<string, { pin: RunbookDocumentPin; builtin: boolean }>();

/** The runbook used when none is named (a catalog entry, a drill, a simulator, a triage): the one the engine was written from. */
export const DEFAULT_RUNBOOK_ID = 'ideogram';

/** The registered runbooks, the default first (lists and forms offer it first). */
export function runbookIds(): string[] {
  const ids = Object.keys(RUNBOOKS);
  return ids.includes(DEFAULT_RUNBOOK_ID)
    ? [DEFAULT_RUNBOOK_ID, ...ids.filter((id) => id !== DEFAULT_RUNBOOK_ID)]
    : ids;
}

export function defaultRunbookId(): string {
  return DEFAULT_RUNBOOK_ID;
}

export function getRunbook(id: string): RunbookDefinition {
  const runbook = RUNBOOKS[id];
  if (!runbook) throw new Error(`unknown runbook "${id}" — known: ${runbookIds().join(', ')}`);
  return runbook;
}

/** Registers a validated document (again: a newer text replaces the older one for new incidents). */
export function registerDocumentRunbook(pin: RunbookDocumentPin, options: { builtin: boolean }): RunbookDefinition {
  const definition = compileRunbookDocument(pin.document as RunbookDocument);
  RUNBOOKS[pin.id] = definition;
  DOCUMENTS.set(pin.id, { pin, builtin: options.builtin });
  return definition;
}

/** The pinned form of a document runbook this process loaded; undefined for a runbook it did not load. */
export function documentPinOf(id: string): RunbookDocumentPin | undefined {
  return DOCUMENTS.get(id)?.pin;
}

/** Shipped with the engine (a document of src/runbooks): the worker builds a service for it from RUNBOOK_* variables. */
export function isBuiltinRunbook(id: string): boolean {
  return DOCUMENTS.get(id)?.builtin === true;
}

/**
 * The runbook an incident runs: the document it pinned when it has one (the text it started with,
 * whatever this process loaded since), else the registered runbook.
 */
export function runbookForIncident(input: {
  runbook?: string;
  runbookDocument?: RunbookDocumentPin;
}): RunbookDefinition {
  // A pinned document may lack optional sections a later format added: parsing fills their defaults.
  if (input.runbookDocument)
    return compiledDocument(JSON.stringify(input.runbookDocument.document), (document) =>
      compileRunbookDocument(deepFreeze(RunbookDocumentSchema.parse(document))),
    );
  return getRunbook(input.runbook ?? defaultRunbookId());
}
