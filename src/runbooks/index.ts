// src/runbooks: the runbook registry; each runbook (one folder) is data and pure code written against runbooks/types, or a document (docs/runbooks.md).
import type { RunbookDocumentPin } from '../contract/index.ts';
import type { RunbookDefinition } from './types.ts';
import { compileRunbookDocument } from './documents/compile.ts';
import { RunbookDocumentSchema, type RunbookDocument } from './documents/schema.ts';
import { ideogramRunbook } from './ideogram/definition.ts';

export type { RunbookDefinition } from './types.ts';

const RUNBOOKS: Record<string, RunbookDefinition> = {
  [ideogramRunbook.id]: ideogramRunbook,
};
const COMPILED_IN = new Set(Object.keys(RUNBOOKS));
/** Documents loaded by this process (src/worker/runbook-documents.ts), by runbook id. */
const DOCUMENTS = new Map<string, { pin: RunbookDocumentPin; builtin: boolean }>();

export function runbookIds(): string[] {
  return Object.keys(RUNBOOKS);
}

/** The runbook used when none is named: the first registered. */
export function defaultRunbookId(): string {
  return runbookIds()[0]!;
}

export function getRunbook(id: string): RunbookDefinition {
  const runbook = RUNBOOKS[id];
  if (!runbook) throw new Error(`unknown runbook "${id}" — known: ${runbookIds().join(', ')}`);
  return runbook;
}

/**
 * Registers a validated document (again: a newer text replaces the older one for new incidents).
 * A document never replaces a runbook compiled into the engine.
 */
export function registerDocumentRunbook(pin: RunbookDocumentPin, options: { builtin: boolean }): RunbookDefinition {
  if (COMPILED_IN.has(pin.id))
    throw new Error(
      `runbook "${pin.id}" is built into the engine: a document cannot replace it (give the document another metadata.id)`,
    );
  const definition = compileRunbookDocument(pin.document as RunbookDocument);
  RUNBOOKS[pin.id] = definition;
  DOCUMENTS.set(pin.id, { pin, builtin: options.builtin });
  return definition;
}

/** The pinned form of a document runbook this process loaded; undefined for a compiled-in one. */
export function documentPinOf(id: string): RunbookDocumentPin | undefined {
  return DOCUMENTS.get(id)?.pin;
}

/** Shipped with the engine (compiled in, or a document of src/runbooks): the worker builds a service for it from RUNBOOK_* variables. */
export function isBuiltinRunbook(id: string): boolean {
  return COMPILED_IN.has(id) || DOCUMENTS.get(id)?.builtin === true;
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
  if (input.runbookDocument) return compileRunbookDocument(RunbookDocumentSchema.parse(input.runbookDocument.document));
  return getRunbook(input.runbook ?? defaultRunbookId());
}
