/**
 * Loading runbook documents (docs/runbooks.md): the built-in ones (src/runbooks/<id>/runbook.yaml)
 * and every document in RUNBOOK_RUNBOOKS_DIR, validated, hashed and registered. A bad document is
 * refused with its file and JSON path; nothing is registered from a directory that has one.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { ConfigError } from '../config/index.ts';
import type { RunbookDocumentPin } from '../contract/index.ts';
import { registerDocumentRunbook } from '../runbooks/index.ts';
import type { RunbookDocument } from '../runbooks/documents/schema.ts';
import { simulatorProfileOf } from '../runbooks/tooling/document-simulator.ts';
import { describeProblem, validateRunbookDocument, type DocumentProblem } from '../runbooks/documents/validate.ts';
import { parseScenarioPhases } from '../simulator/scenarios.ts';

const BUILTIN_DIR = fileURLToPath(new URL('../runbooks/', import.meta.url));

export type DocumentReading = { ok: true; pin: RunbookDocumentPin } | { ok: false; problems: DocumentProblem[] };

/** Reads one document's text: YAML (JSON is YAML too), then the format's checks. */
export function readRunbookDocument(text: string): DocumentReading {
  const parsed = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (parsed.errors.length > 0) {
    return {
      ok: false,
      problems: parsed.errors.map((e) => ({
        path: [],
        message: `not valid YAML: ${e.message.split('\n')[0]!.replace(/:$/, '')}`,
      })),
    };
  }
  const validated = validateRunbookDocument(parsed.toJS());
  if (!validated.ok) return validated;
  const { document } = validated;
  const scenarios = scenarioProblems(document);
  if (scenarios.length > 0) return { ok: false, problems: scenarios };
  return {
    ok: true,
    pin: {
      id: document.metadata.id,
      version: document.metadata.version,
      sha256: createHash('sha256').update(text).digest('hex'),
      document,
    },
  };
}

/** Scenario phases are keyed by the document's own simulator endpoints: checked as scenario files are. */
function scenarioProblems(document: RunbookDocument): DocumentProblem[] {
  const profile = simulatorProfileOf(document.tooling.simulator);
  return Object.entries(document.tooling.scenarios).flatMap(([name, scenario]): DocumentProblem[] => {
    try {
      parseScenarioPhases(scenario.phases, `scenario ${name}`, profile);
      return [];
    } catch (err) {
      return [{ path: ['tooling', 'scenarios', name, 'phases'], message: (err as Error).message }];
    }
  });
}

export function readRunbookDocumentFile(path: string): DocumentReading {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return {
      ok: false,
      problems: [
        {
          path: [],
          message: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message,
        },
      ],
    };
  }
  return readRunbookDocument(text);
}

const isDocument = (name: string) => /\.(ya?ml|json)$/.test(name);

function builtinFiles(): string[] {
  return readdirSync(BUILTIN_DIR)
    .map((name) => join(BUILTIN_DIR, name, 'runbook.yaml'))
    .filter((file) => existsSync(file));
}

function directoryFiles(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new ConfigError(`RUNBOOK_RUNBOOKS_DIR ${dir}: no such directory`);
  return readdirSync(dir)
    .filter(isDocument)
    .sort()
    .map((name) => join(dir, name));
}

/** Reads every file first: one bad document registers none of them. */
function readAll(files: string[], source: string): RunbookDocumentPin[] {
  const pins: Array<{ file: string; pin: RunbookDocumentPin }> = [];
  const problems: string[] = [];
  for (const file of files) {
    const reading = readRunbookDocumentFile(file);
    if (!reading.ok) problems.push(...reading.problems.map((p) => `${file}: ${describeProblem(p)}`));
    else {
      const twin = pins.find((p) => p.pin.id === reading.pin.id);
      if (twin) problems.push(`${file}: $.metadata.id: runbook "${reading.pin.id}" is also defined by ${twin.file}`);
      pins.push({ file, pin: reading.pin });
    }
  }
  if (problems.length > 0)
    throw new ConfigError(
      `${source}: ${problems.length} problem(s) — ${problems.join('; ')}. Check with \`runbook lint FILE\`.`,
    );
  return pins.map((p) => p.pin);
}

/**
 * Registers the built-in documents and those of `dir`. Idempotent; a document whose text changed
 * replaces the registered one (new incidents start on it; running ones keep the text they pinned).
 */
export function loadRunbookDocuments(dir?: string): void {
  try {
    for (const pin of readAll(builtinFiles(), 'built-in runbook documents'))
      registerDocumentRunbook(pin, { builtin: true });
    if (dir)
      for (const pin of readAll(directoryFiles(dir), `RUNBOOK_RUNBOOKS_DIR ${dir}`))
        registerDocumentRunbook(pin, { builtin: false });
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError((err as Error).message);
  }
}
