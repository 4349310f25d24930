/**
 * Compiled runbook documents, one per document text. The workflow bundle preloads this module
 * (PRELOADED_WORKFLOW_MODULES), so every incident on a workflow thread shares it: a replayed
 * incident finds its pinned document compiled instead of parsing and compiling it again.
 *
 * Sharing is safe because a compiled runbook is pure (data and functions of the document; every
 * call gets its incident as an argument) and frozen whole before it is shared, the document with
 * it: an incident that tried to change it would fail at once instead of changing another's.
 */
import type { RunbookDefinition } from '../types.ts';

/** Distinct document texts kept: a worker runs a handful of runbooks, each in a few versions. */
const KEPT = 32;

const compiled = new Map<string, RunbookDefinition>();

/** `value` and everything it holds, frozen (functions themselves only: what they close over is their own). */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'function') return Object.freeze(value);
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
  return value;
}

/**
 * The runbook `text` (the document as JSON) compiles to, compiled at most once while it is kept.
 * `compile` gets the document frozen; what it returns is frozen before it is kept.
 */
export function compiledDocument(text: string, compile: (document: unknown) => RunbookDefinition): RunbookDefinition {
  const kept = compiled.get(text);
  if (kept) {
    // Least recently used goes first.
    compiled.delete(text);
    compiled.set(text, kept);
    return kept;
  }
  const definition = deepFreeze(compile(deepFreeze(JSON.parse(text) as unknown)));
  compiled.set(text, definition);
  if (compiled.size > KEPT) compiled.delete(compiled.keys().next().value!);
  return definition;
}

/** How many compiled documents are kept (for tests of the bound). */
export const compiledDocumentsKept = (): number => compiled.size;
