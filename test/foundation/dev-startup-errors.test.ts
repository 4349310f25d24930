/**
 * `runbook dev` ends on every startup error and on the first Ctrl-C, whatever it has started by then:
 * a real `runbook dev` process each time, and afterwards no process of it is left.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { resolveTemporalBinary } from '../../src/infra/temporal-binary.ts';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PIDFILE_NAME, readPidfile } from '../../src/infra/dev-pidfile.ts';
import { freePort } from '../../src/infra/ports.ts';
import { commandLine, isAlive } from '../../src/infra/processes.ts';
import { NODE, RUNBOOK_BIN } from '../support/cli.ts';
import { TEST_API_KEY } from '../support/simulator.ts';
import { uniqueTaskQueue } from '../support/temporal.ts';

const root = await mkdtemp(join(tmpdir(), 'dev-errors-'));
const started: ChildProcess[] = [];
afterAll(async () => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of await readdir(root)) {
    const pidfile = readPidfile(join(root, dir, PIDFILE_NAME));
    if (pidfile && isAlive(pidfile.serverPid)) process.kill(pidfile.serverPid, 'SIGKILL');
  }
  await rm(root, { recursive: true, force: true });
});

let dirs = 0;
const newDataDir = () => join(root, `data-${++dirs}`);

interface Dev {
  child: ChildProcess;
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function spawnDev(dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<Dev> {
  const args = [
    'dev',
    '--port',
    String(await freePort()),
    '--ui-port',
    String(await freePort()),
    '--data-dir',
    dataDir,
  ];
  const child = spawn(NODE, [RUNBOOK_BIN, ...args], {
    env: {
      ...process.env,
      RUNBOOK_LOG_FORMAT: 'json',
      RUNBOOK_LOG_LEVEL: 'warn',
      RUNBOOK_TASK_QUEUE: uniqueTaskQueue('dev-errors'),
      RUNBOOK_CONSOLE_PORT: String(await freePort()),
      IDEOGRAM_API_KEY: TEST_API_KEY,
      TEMPORAL_ADDRESS: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exit };
}

async function eventually(what: string, condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The exit, or 'hung' when the process is still there after `ms` (the bug this file is about). */
const exitWithin = (dev: Dev, ms: number) =>
  Promise.race([dev.exit, new Promise<'hung'>((r) => setTimeout(() => r('hung'), ms))]);

async function processesMentioning(needle: string): Promise<number[]> {
  const pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d)).map(Number);
  return pids.filter(
    (pid) => pid !== process.pid && isAlive(pid) && (commandLine(pid)?.some((a) => a.includes(needle)) ?? false),
  );
}

describe('runbook dev fails loudly', () => {
  it('a postmortem directory that is a file: exit 2 naming it and what to do, nothing started', async () => {
    const dataDir = newDataDir();
    const file = join(root, 'postmortems-file');
    writeFileSync(file, 'x');
    const dev = await spawnDev(dataDir, { RUNBOOK_POSTMORTEM_DIR: file });
    const exit = await exitWithin(dev, 30_000);
    expect(exit, dev.output()).toEqual({ code: 2, signal: null });
    expect(dev.output()).toContain(`RUNBOOK_POSTMORTEM_DIR ${file} is not a writable directory`);
    expect(dev.output()).toContain('point it at a directory the worker can write');
    expect(dev.output()).not.toContain('Press Ctrl-C');
    expect(existsSync(join(dataDir, PIDFILE_NAME))).toBe(false);
    expect(await processesMentioning(dataDir)).toEqual([]);
  }, 60_000);

  it('a worker that cannot start once the server and console run (a broken workflow bundle): non-zero exit, the server stopped', async () => {
    const dataDir = newDataDir();
    const bundle = join(root, 'broken-bundle.js');
    writeFileSync(bundle, 'this is not a workflow bundle(');
    const dev = await spawnDev(dataDir, { RUNBOOK_WORKFLOW_BUNDLE: bundle });
    const exit = await exitWithin(dev, 60_000);
    expect(exit, dev.output()).not.toBe('hung');
    expect((exit as { code: number | null }).code, dev.output()).not.toBe(0);
    // It got as far as starting the server: that server is gone with it.
    expect(dev.output()).toContain('Temporal dev server:');
    expect(dev.output()).toContain('Workflow Bundle');
    expect(existsSync(join(dataDir, PIDFILE_NAME))).toBe(false);
    expect(await processesMentioning(dataDir)).toEqual([]);
  }, 90_000);

  it('one Ctrl-C (SIGINT) the moment dev says "Press Ctrl-C" stops it and everything it started', async () => {
    const dataDir = newDataDir();
    const dev = await spawnDev(dataDir);
    // At once, not at the next poll: the worker is still being built then, before the SDK handles signals.
    const prompted = new Promise<void>((resolve) =>
      dev.child.stdout!.on('data', () => {
        if (dev.output().includes('Press Ctrl-C to stop.')) resolve();
      }),
    );
    await Promise.race([prompted, dev.exit.then(() => Promise.reject(new Error(`dev exited early: ${dev.output()}`)))]);
    const pidfile = readPidfile(join(dataDir, PIDFILE_NAME))!;
    dev.child.kill('SIGINT');
    const exit = await exitWithin(dev, 30_000);
    expect(exit, dev.output()).toEqual({ code: 0, signal: null });
    expect(isAlive(pidfile.serverPid)).toBe(false);
    expect(await processesMentioning(dataDir)).toEqual([]);
  }, 120_000);

  it('one Ctrl-C (SIGINT) while the server starts: exit 130, the server stopped', async () => {
    const dataDir = newDataDir();
    const dev = await spawnDev(dataDir);
    await eventually('pidfile written', () => readPidfile(join(dataDir, PIDFILE_NAME)) !== undefined);
    const { serverPid } = readPidfile(join(dataDir, PIDFILE_NAME))!;
    const readyBefore = dev.output().includes('Press Ctrl-C');
    dev.child.kill('SIGINT');
    const exit = await exitWithin(dev, 30_000);
    expect(exit, dev.output()).not.toBe('hung');
    // Startup is usually slower than the signal; if it won the race the worker's graceful stop applies.
    if (!readyBefore && !dev.output().includes('Press Ctrl-C')) {
      expect(exit).toEqual({ code: 130, signal: null });
      expect(dev.output()).toContain('interrupted by SIGINT during startup');
    }
    expect(isAlive(serverPid)).toBe(false);
    expect(await processesMentioning(dataDir)).toEqual([]);
  }, 90_000);
});

/** A `temporal` that prints `lines` and exits 1 on its first `fails` runs, then is the real one. */
function flakyTemporal(name: string, lines: string[], fails: number): string {
  const real = resolveTemporalBinary('cli')!.path;
  const path = join(root, name);
  const runs = join(root, `${name}.runs`);
  writeFileSync(
    path,
    `#!/bin/sh\necho x >> '${runs}'\n` +
      `if [ "$(wc -l < '${runs}')" -le ${fails} ]; then\n` +
      lines.map((line) => `  echo '${line}' >&2\n`).join('') +
      `  exit 1\nfi\nexec '${real}' "$@"\n`,
    { mode: 0o755 },
  );
  return path;
}

describe('runbook dev when the Temporal server itself fails to start', () => {
  it('says what the server printed: exit 1 with its last lines', async () => {
    const temporal = flakyTemporal(
      'broken-temporal',
      ['Unable to start server. Error: sqlite: database disk image is malformed'],
      9,
    );
    const dev = await spawnDev(newDataDir(), { TEMPORAL_CLI_PATH: temporal });
    const exit = await exitWithin(dev, 30_000);
    expect(exit, dev.output()).toEqual({ code: 1, signal: null });
    expect(dev.output()).toContain('temporal dev server exited with code 1 before it was ready');
    expect(dev.output()).toContain('database disk image is malformed');
  }, 60_000);

  it('starts again when a port the server picked at random was taken before it could bind it', async () => {
    const bindError = 'Unable to start server. Error: listen tcp 127.0.0.1:41234: bind: address already in use';
    const temporal = flakyTemporal('port-losing-temporal', [bindError], 1);
    const dataDir = newDataDir();
    const dev = await spawnDev(dataDir, { TEMPORAL_CLI_PATH: temporal });
    await eventually(`dev ready (${dev.output()})`, () => {
      if (dev.child.exitCode !== null) throw new Error(`dev exited early: ${dev.output()}`);
      return dev.output().includes('Press Ctrl-C to stop.');
    });
    dev.child.kill('SIGINT');
    expect(await exitWithin(dev, 30_000), dev.output()).toEqual({ code: 0, signal: null });
    expect(await processesMentioning(dataDir)).toEqual([]);
  }, 120_000);
});
