import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runbookJsonSchemaText } from '../../../src/runbooks/documents/json-schema.ts';

describe('the published JSON Schema of runbook documents', () => {
  it('the published JSON Schema is generated from the document schema (run `node scripts/runbook-schema.ts` after changing it)', () => {
    const published = readFileSync(new URL('../../../docs/runbook.schema.json', import.meta.url), 'utf8');
    expect(published).toBe(runbookJsonSchemaText());
    const schema = JSON.parse(published) as { additionalProperties: boolean; required: string[] };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(expect.arrayContaining(['metadata', 'probes', 'decision', 'causes', 'plans']));
  });
});
