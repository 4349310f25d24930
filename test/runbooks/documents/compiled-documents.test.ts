/**
 * Incidents on one workflow thread share the runbook their pinned document compiles to: compiled
 * once per text, frozen whole, so no incident can change what another runs.
 */
import { describe, expect, it } from 'vitest';
import { runbookForIncident } from '../../../src/runbooks/index.ts';
import { compiledDocument, compiledDocumentsKept } from '../../../src/runbooks/documents/compiled-documents.ts';
import { anthropicDocument } from './support.ts';

const pin = (document: unknown) => ({ id: 'anthropic', version: 1, sha256: 'a'.repeat(64), document });

describe('compiled runbook documents', () => {
  it('two incidents that pinned the same text run one compiled runbook', () => {
    const first = runbookForIncident({ runbookDocument: pin(anthropicDocument()) });
    const second = runbookForIncident({ runbookDocument: pin(anthropicDocument()) });
    expect(second).toBe(first);
    const changed = anthropicDocument();
    changed.metadata.title = 'Anthropic, edited';
    const third = runbookForIncident({ runbookDocument: pin(changed) });
    expect(third).not.toBe(first);
    expect(third.title).toBe('Anthropic, edited');
  });

  it('is frozen whole: an incident that tries to change it fails instead of changing it for the others', () => {
    const runbook = runbookForIncident({ runbookDocument: pin(anthropicDocument()) });
    const cause = Object.keys(runbook.causes)[0]!;
    expect(() => {
      (runbook.causes[cause] as { severity: string }).severity = 'P4';
    }).toThrow(TypeError);
    expect(() => runbook.triageProbes.push(runbook.evidence.hint)).toThrow(TypeError);
    expect(() => {
      (runbook.evidence.hint as { timeoutMs: number }).timeoutMs = 1;
    }).toThrow(TypeError);
    expect(() => {
      (runbook.evidence.real as unknown[]).length = 0;
    }).toThrow(TypeError);
    expect(runbookForIncident({ runbookDocument: pin(anthropicDocument()) }).evidence.real.length).toBeGreaterThan(0);
  });

  it('keeps a bounded number of texts, the least recently used dropped first', () => {
    let compiles = 0;
    const compile = (document: unknown) => {
      compiles += 1;
      return { id: String((document as { n: number }).n) } as never;
    };
    const text = (n: number) => JSON.stringify({ n, bound: 'test' });
    compiledDocument(text(0), compile);
    for (let n = 1; n <= 40; n += 1) {
      compiledDocument(text(n), compile);
      compiledDocument(text(0), compile); // used again: never the least recent
    }
    expect(compiledDocumentsKept()).toBe(32);
    expect(compiles).toBe(41);
    compiledDocument(text(0), compile);
    compiledDocument(text(40), compile);
    expect(compiles).toBe(41);
    compiledDocument(text(1), compile); // long dropped: compiled again
    expect(compiles).toBe(42);
  });
});
