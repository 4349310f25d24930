// src/runbooks/tooling: each runbook document's simulator profile, scenarios and drill profile, compiled apart from its definition so none of it reaches the workflow bundle.
import type { RunbookDocumentPin } from '../../contract/index.ts';
import type { RunbookDocument } from '../documents/schema.ts';
import { documentPinOf, getRunbook } from '../index.ts';
import { compileDocumentTooling } from './document.ts';
import type { RunbookTooling } from './types.ts';

export { compileDocumentTooling } from './document.ts';
export type * from './types.ts';

/** Compiled once per loaded text: a document registered again under its id compiles anew. */
const compiledDocuments = new WeakMap<RunbookDocumentPin, RunbookTooling>();

/** The tooling of a registered runbook (a document this process loaded); unknown ids are refused as getRunbook refuses them. */
export function runbookTooling(id: string): RunbookTooling {
  getRunbook(id);
  const pin = documentPinOf(id);
  if (!pin) throw new Error(`runbook "${id}" has no simulator or drill tooling`);
  let tooling = compiledDocuments.get(pin);
  if (!tooling) {
    tooling = compileDocumentTooling(pin.document as RunbookDocument);
    compiledDocuments.set(pin, tooling);
  }
  return tooling;
}
