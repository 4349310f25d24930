/**
 * The engine and the parts around it know runbooks only through the registry: no generic file may
 * name a registered runbook, so adding one touches only its own folder and the registry line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRunbookDocuments } from '../../src/worker/runbook-documents.ts';
import { runbookIds } from '../../src/runbooks/index.ts';

// The built-in documents are runbooks too: no generic file may name them either.
loadRunbookDocuments();

const ROOT = join(import.meta.dirname, '..', '..');
const GENERIC = [
  'workflows',
  'contract',
  'activities',
  'worker',
  'app',
  'cli',
  'simulator',
  'config',
  'server',
  'infra',
].map((d) => join(ROOT, 'src', d));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** Word match, case-insensitive: `ideogram` in `IDEOGRAM_API_KEY` or `ideogram-service` counts; `openaiish` does not. */
const mentions = (text: string, id: string) =>
  new RegExp(`(^|[^a-z0-9])${id.replace(/[^a-z0-9]/gi, '\\$&')}($|[^a-z0-9])`, 'i').test(text);

describe('runbook isolation', () => {
  it('has at least one registered runbook to look for', () => {
    expect(runbookIds().length).toBeGreaterThan(0);
  });

  it('detects a mention as a word, whatever the case, and ignores a longer word', () => {
    expect(mentions('const key = "SOME_IDEOGRAM_KEY";', 'ideogram')).toBe(true);
    expect(mentions('ideograms are pictures', 'ideogram')).toBe(false);
  });

  it.each(runbookIds())('no generic file under src/ names the runbook "%s"', (id) => {
    const offenders = GENERIC.flatMap(filesUnder)
      .filter((file) => mentions(readFileSync(file, 'utf8'), id))
      .map((file) => relative(ROOT, file));
    expect(offenders).toEqual([]);
  });
});
