/** The published JSON Schema of runbook documents (docs/runbook.schema.json), generated from the one zod schema; draft-07, which editors' YAML support reads. */
import { z } from 'zod';
import { RunbookDocumentSchema } from './schema.ts';

export function runbookJsonSchema(): Record<string, unknown> {
  // `input`: what an author writes (keys with defaults are optional); strict objects forbid other keys.
  const schema = z.toJSONSchema(RunbookDocumentSchema, { io: 'input', target: 'draft-7' });
  return {
    ...schema,
    $id: 'https://runbook-engine.dev/runbook.schema.json',
    title: 'Runbook document (runbook/v1)',
    description: 'An executable incident runbook: see docs/runbooks.md.',
  };
}

export const runbookJsonSchemaText = () => `${JSON.stringify(runbookJsonSchema(), null, 2)}\n`;
