import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/infra/temporal-binary.ts';
import { SLICE_OWNERS } from '../../src/workflows/engine/slices.ts';
import { foreignWrites, sliceWrites, sourcesUnder as filesUnder } from './support/slice-writes.ts';

/**
 * The dependency rules of src/ (docs/architecture.md), checked on the real import graph, type-only
 * imports included: contract ← engine ← runbooks' types ← runbooks; app ← cli, server; I/O never in workflows.
 */
// Type-only imports count (tsPreCompilationDeps): a type cycle is still a cycle in the design.
const previousCwd = process.cwd();
process.chdir(PROJECT_ROOT);
const cruised = (
  await cruise(
    ['src'],
    { tsPreCompilationDeps: true, doNotFollow: { path: 'node_modules' }, exclude: { path: 'node_modules' } },
    undefined,
    { tsConfig: { fileName: join(PROJECT_ROOT, 'tsconfig.json') } },
  )
).output as ICruiseResult;
process.chdir(previousCwd);
const local = (path: string) => path.replace(/^src\//, '');
/** Module → the modules of src it imports, paths relative to src/. */
const imports: Record<string, string[]> = Object.fromEntries(
  cruised.modules
    .filter((m) => m.source.startsWith('src/'))
    .map((m) => [
      local(m.source),
      m.dependencies.filter((d) => d.resolved.startsWith('src/')).map((d) => local(d.resolved)),
    ]),
);
const unresolved = cruised.modules.flatMap((m) =>
  m.dependencies.filter((d) => d.couldNotResolve).map((d) => `${m.source} → ${d.module}`),
);
const cycles = cruised.modules.flatMap((m) =>
  m.dependencies.filter((d) => d.circular).map((d) => `${local(m.source)} → ${local(d.resolved)}`),
);

/** Every import from a module under `from` into a module under `into`, as `importer → imported`. */
function importsBetween(from: string | ((path: string) => boolean), into: (path: string) => boolean): string[] {
  const inFrom = typeof from === 'string' ? (path: string) => path.startsWith(from) : from;
  return Object.entries(imports).flatMap(([importer, deps]) =>
    inFrom(importer) ? deps.filter(into).map((dep) => `${importer} → ${dep}`) : [],
  );
}
const under =
  (...folders: string[]) =>
  (path: string) =>
    folders.some((folder) => path.startsWith(folder));

/** Every module of src the given one reaches through its imports (itself included). */
function reachableFrom(start: string): Set<string> {
  const seen = new Set<string>();
  const pending = [start];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (seen.has(next)) continue;
    seen.add(next);
    pending.push(...(imports[next] ?? []));
  }
  return seen;
}

/**
 * Simulator and drill code: a `tooling` folder (the registry, each runbook's own) or the simulator.
 * The document format's tooling section (runbooks/documents/schema-tooling.ts) is zod data the
 * workflow needs: it parses the whole pinned document, strictly.
 */
const isTooling = (path: string) => /(^|\/)tooling\//.test(path) || path.startsWith('simulator/');

/** The TypeScript sources under folders of src/, as paths relative to src/. */
const sourcesUnder = (...folders: string[]) =>
  Object.keys(imports).filter((path) => folders.some((folder) => path.startsWith(`${folder}/`)));

/** A line that imports the Temporal client or calls it: what only src/app (and the worker, infra) may do. */
const TEMPORAL_CALL =
  /@temporalio\/client|\.workflow\.|\.schedule\.(create|getHandle|list)\(|workflowService|operatorService|withDeadline\(|getHandle\(|executeUpdate\(|signalWithStart\(|fetchHistory\(|\.describe\(\)/;

describe('architecture of src/', () => {
  it('reads the whole source tree (a broken resolution would hide imports)', () => {
    expect(unresolved).toEqual([]);
    expect(imports['app/incidents.ts']).toContain('contract/index.ts');
  });

  it('has no import cycles', () => {
    expect(cycles).toEqual([]);
  });

  it('nothing under workflows, contract, activities or worker imports the app or the CLI', () => {
    expect(importsBetween(under('workflows/', 'contract/', 'activities/', 'worker/'), under('app/', 'cli/'))).toEqual(
      [],
    );
  });

  it("the app layer never imports the CLI: the CLI maps the app's errors to exit codes", () => {
    expect(importsBetween('app/', under('cli/'))).toEqual([]);
  });

  it('the CLI and the console take the catalog and the use cases from src/app and src/config, never from the worker', () => {
    // Only running a worker in this process (`runbook worker`, `runbook dev`) and loading the runbook
    // documents every command knows (`runbook lint`, the CLI's start) reach into src/worker.
    const allowed = new Set([
      'cli/commands/worker.ts → worker/run-worker.ts',
      'cli/commands/dev.ts → worker/run-worker.ts',
      'cli/commands/dev.ts → worker/metrics.ts',
      'cli/commands/lint.ts → worker/runbook-documents.ts',
      'cli/main.ts → worker/runbook-documents.ts',
    ]);
    expect(importsBetween(under('cli/', 'server/'), under('worker/')).filter((edge) => !allowed.has(edge))).toEqual([]);
  });

  it('the CLI and the console reach Temporal only through src/app: no Temporal client of their own, no call of it', () => {
    const offenders = sourcesUnder('cli', 'server').flatMap((file) =>
      readFileSync(join(PROJECT_ROOT, 'src', file), 'utf8')
        .split('\n')
        .flatMap((line, i) => (TEMPORAL_CALL.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(offenders).toEqual([]);
  });

  it('recognises a Temporal call or import in a front end', () => {
    for (const line of [
      "import type { Client } from '@temporalio/client';",
      'const handle = deps.client.workflow.getHandle(id);',
      'await client.withDeadline(deadline, () => handle.query(statusQuery));',
      'await client.workflowService.getSystemInfo({});',
      'const description = await handle.describe();',
    ])
      expect(line).toMatch(TEMPORAL_CALL);
    expect('const list = await listIncidents(deps.client, filters);').not.toMatch(TEMPORAL_CALL);
  });

  it('every visibility listing is paged (VISIBILITY_PAGE_SIZE): a default page of a busy namespace outgrows the gRPC message limit', () => {
    const listings = Object.keys(imports).flatMap((file) => {
      const text = readFileSync(join(PROJECT_ROOT, 'src', file), 'utf8');
      // Each call up to the end of its options object: `})` (a template's `${…}` ends in `)}` or `'}`).
      return [...text.matchAll(/workflow\.list\(\{/g)].map((m) => {
        const call = text.slice(m.index, text.indexOf('})', m.index) + 2);
        return `${file}: ${call.replace(/\s+/g, ' ')}`;
      });
    });
    expect(listings.length).toBeGreaterThanOrEqual(5);
    expect(listings.filter((listing) => !listing.includes('pageSize: VISIBILITY_PAGE_SIZE'))).toEqual([]);
  });

  it('the contract imports nothing from the rest of src', () => {
    expect(importsBetween('contract/', (path) => !path.startsWith('contract/'))).toEqual([]);
  });

  it('the engine imports no runbook: runbooks plug in through runbooks/types', () => {
    expect(importsBetween('workflows/engine/', under('runbooks/'))).toEqual([]);
  });

  it('the workflow bundle holds no simulator or drill tooling: nothing the workflows reach imports a tooling module', () => {
    const bundled = reachableFrom('workflows/index.ts');
    expect(bundled).toContain('runbooks/documents/compile.ts');
    expect(importsBetween((path) => bundled.has(path), isTooling)).toEqual([]);
    // The rule sees tooling where it is: the registry reaches the document simulator.
    expect([...reachableFrom('runbooks/tooling/index.ts')].filter(isTooling)).toEqual(
      expect.arrayContaining(['runbooks/tooling/document-simulator.ts']),
    );
  });

  it('every folder of source files says its role in a one-line header (its index.ts, or its main file)', () => {
    const src = join(PROJECT_ROOT, 'src');
    const folders = readdirSync(src, { recursive: true, withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => join(e.parentPath, e.name));
    const unlabelled = folders.filter((dir) => {
      const header = `// ${relative(PROJECT_ROOT, dir)}: `;
      const sources = readdirSync(dir).filter((file) => file.endsWith('.ts'));
      // A folder of folders only (src/clients) has no file to carry it: its subfolders say their roles.
      return sources.length > 0 && !sources.some((file) => readFileSync(join(dir, file), 'utf8').startsWith(header));
    });
    expect(unlabelled.map((dir) => relative(PROJECT_ROOT, dir))).toEqual([]);
  });
});

describe('engine state ownership', () => {
  const foreign = join(PROJECT_ROOT, 'test', 'fixtures', 'architecture', 'foreign-slice-write.ts');
  const writes = sliceWrites(PROJECT_ROOT, [...filesUnder(join(PROJECT_ROOT, 'src', 'workflows')), foreign]);
  const inSource = writes.filter((w) => w.file.startsWith('src/'));

  it('no engine part writes a field of a slice another part owns (checked by the type checker on every write in src/workflows)', () => {
    expect(foreignWrites(inSource)).toEqual([]);
  });

  it('sees the writes it judges: every part that owns a slice writes it, and a foreign write is reported', () => {
    const owners = new Set(Object.values(SLICE_OWNERS).filter((owner) => owner !== 'snapshot.ts'));
    expect(new Set(inSource.map((w) => w.owner.split('/').at(-1)))).toEqual(owners);
    expect(inSource.find((w) => w.text === 'this.record.stateVersion')?.file).toBe('src/workflows/engine/recorder.ts');
    expect(foreignWrites(writes.filter((w) => !w.file.startsWith('src/')))).toEqual([
      'test/fixtures/architecture/foreign-slice-write.ts:6 record.state (RecordSlice belongs to recorder.ts)',
      'test/fixtures/architecture/foreign-slice-write.ts:8 timeline (RecordSlice belongs to recorder.ts)',
    ]);
  });
});
