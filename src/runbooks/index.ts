// src/runbooks: the runbook registry; each runbook (one folder) is data and pure code written against runbooks/types.
import type { RunbookDefinition } from './types.ts';
import { ideogramRunbook } from './ideogram/definition.ts';
import { openaiRunbook } from './openai/definition.ts';

export type { RunbookDefinition } from './types.ts';

const RUNBOOKS: Record<string, RunbookDefinition> = { [ideogramRunbook.id]: ideogramRunbook, [openaiRunbook.id]: openaiRunbook };

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
