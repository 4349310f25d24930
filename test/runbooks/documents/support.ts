/** The Anthropic document as a plain object, for tests that change one thing in it. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const ANTHROPIC_DOCUMENT = fileURLToPath(
  new URL('../../../src/runbooks/anthropic/runbook.yaml', import.meta.url),
);
export const anthropicText = () => readFileSync(ANTHROPIC_DOCUMENT, 'utf8');

/** A fresh copy to change: `Record<string, any>` so a test may write anywhere in it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const anthropicDocument = (): Record<string, any> => parse(anthropicText()) as Record<string, unknown>;
