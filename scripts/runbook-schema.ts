// Writes docs/runbook.schema.json from the document schema (src/runbooks/documents/schema.ts); a test checks it is current.
import { writeFileSync } from 'node:fs';
import { runbookJsonSchemaText } from '../src/runbooks/documents/json-schema.ts';

writeFileSync(new URL('../docs/runbook.schema.json', import.meta.url), runbookJsonSchemaText());
