import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveTemporalBinary, TOOLS_BIN_DIR } from '../../src/infra/temporal-binary.ts';

function fakeBinary(dir: string, name: string): string {
  const path = join(dir, name);
  writeFileSync(path, '#!/bin/sh\n');
  chmodSync(path, 0o755);
  return path;
}

describe('temporal binary resolution: env → tools dir → PATH → SDK download', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bin-'));
  const onPath = fakeBinary(dir, 'temporal');
  const explicit = fakeBinary(dir, 'my-temporal');

  it('prefers TEMPORAL_CLI_PATH', () => {
    expect(resolveTemporalBinary('cli', { TEMPORAL_CLI_PATH: explicit, PATH: dir })).toEqual({
      path: explicit,
      source: 'env',
    });
  });

  it('rejects a TEMPORAL_CLI_PATH that is not executable, naming it', () => {
    expect(() => resolveTemporalBinary('cli', { TEMPORAL_CLI_PATH: join(dir, 'nope') })).toThrow(
      /TEMPORAL_CLI_PATH=.*nope is not an executable/,
    );
  });

  it('uses the project tools dir (installed by npm install) before PATH', () => {
    expect(resolveTemporalBinary('cli', { PATH: dir })).toEqual({
      path: join(TOOLS_BIN_DIR, 'temporal'),
      source: 'tools',
    });
  });

  it('falls back to PATH, then to nothing (the SDK downloads its own)', () => {
    const emptyTools = mkdtempSync(join(tmpdir(), 'tools-'));
    expect(resolveTemporalBinary('cli', { PATH: `/nonexistent:${dir}` }, emptyTools)).toEqual({
      path: onPath,
      source: 'path',
    });
    expect(resolveTemporalBinary('cli', { PATH: '/nonexistent' }, emptyTools)).toBeUndefined();
    expect(resolveTemporalBinary('test-server', { PATH: dir }, emptyTools)).toBeUndefined();
  });
});
