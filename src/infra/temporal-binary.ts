import { accessSync, constants } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

export const PROJECT_ROOT = resolve(import.meta.dirname, '..', '..');
export const TOOLS_DIR = join(PROJECT_ROOT, '.tools');
export const TOOLS_BIN_DIR = join(TOOLS_DIR, 'venv', 'bin');

export type TemporalBinaryKind = 'cli' | 'test-server';

const BINARY_NAMES: Record<TemporalBinaryKind, { file: string; env: string }> = {
  cli: { file: 'temporal', env: 'TEMPORAL_CLI_PATH' },
  'test-server': { file: 'temporal-test-server', env: 'TEMPORAL_TEST_SERVER_PATH' },
};

export interface ResolvedBinary {
  path: string;
  source: 'env' | 'tools' | 'path';
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Order: explicit env var → project-local tools dir → PATH. `undefined` means the caller should let
 * the Temporal SDK download the binary (works online, fails on air-gapped machines).
 */
export function resolveTemporalBinary(
  kind: TemporalBinaryKind,
  env: NodeJS.ProcessEnv = process.env,
  toolsBinDir: string = TOOLS_BIN_DIR,
): ResolvedBinary | undefined {
  const { file, env: envName } = BINARY_NAMES[kind];
  const fromEnv = env[envName];
  if (fromEnv) {
    if (!isExecutable(fromEnv)) {
      throw new Error(`${envName}=${fromEnv} is not an executable file — fix the path or unset ${envName}`);
    }
    return { path: fromEnv, source: 'env' };
  }
  const local = join(toolsBinDir, file);
  if (isExecutable(local)) return { path: local, source: 'tools' };
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, file);
    if (isExecutable(candidate)) return { path: candidate, source: 'path' };
  }
  return undefined;
}

/** Shape accepted by @temporalio/testing's `server.executable` option. */
export function testingExecutable(
  kind: TemporalBinaryKind,
): { type: 'existing-path'; path: string } | { type: 'cached-download' } {
  const found = resolveTemporalBinary(kind);
  return found ? { type: 'existing-path', path: found.path } : { type: 'cached-download' };
}
