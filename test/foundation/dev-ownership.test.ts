import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { PIDFILE_NAME, readPidfile, type DevPidfile } from '../../src/infra/dev-pidfile.ts';
import { freePort } from '../../src/infra/ports.ts';
import { commandLine, isAlive } from '../../src/infra/processes.ts';
import { NODE, RUNBOOK_BIN, runCli } from '../support/cli.ts';
import { TEST_API_KEY } from '../support/simulator.ts';
import { temporalAddress, uniqueTaskQueue } from '../support/temporal.ts';

const root = await mkdtemp(join(tmpdir(), 'dev-own-'));
const started: ChildProcess[] = [];
const listeners: Server[] = [];
afterEach(async () => {
  await Promise.all(listeners.splice(0).map((s) => new Promise((r) => s.close(r))));
});
afterAll(async () => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  // A failed test may have left a server; its pidfile says which (the watchdog is gone with the dev).
  for (const dir of await readdir(root)) {
    const pidfile = readPidfile(join(root, dir, PIDFILE_NAME));
    if (pidfile && isAlive(pidfile.serverPid)) process.kill(pidfile.serverPid, 'SIGKILL');
  }
  await rm(root, { recursive: true, force: true });
});

let dirs = 0;
const newDataDir = () => join(root, `data-${++dirs}`);

function devEnv(dataDir: string): NodeJS.ProcessEnv {
  return {
    RUNBOOK_TASK_QUEUE: uniqueTaskQueue('dev-own'),
    RUNBOOK_DATA_DIR: dataDir,
    RUNBOOK_LOG_LEVEL: 'warn',
    IDEOGRAM_API_KEY: TEST_API_KEY,
    TEMPORAL_ADDRESS: '',
  };
}

/** Polls `condition` until true; fails after `timeoutMs` with `what`. */
async function eventually(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** PIDs of live processes whose command line mentions `needle`. */
async function processesMentioning(needle: string): Promise<number[]> {
  const pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d)).map(Number);
  return pids.filter(
    (pid) => pid !== process.pid && isAlive(pid) && (commandLine(pid)?.some((a) => a.includes(needle)) ?? false),
  );
}

interface RunningDev {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function spawnDev(dataDir: string, port: number, uiPort: number): RunningDev {
  const child = spawn(
    NODE,
    [RUNBOOK_BIN, 'dev', '--port', String(port), '--ui-port', String(uiPort), '--data-dir', dataDir],
    {
      env: { ...process.env, RUNBOOK_LOG_FORMAT: 'json', ...devEnv(dataDir) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  started.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  // 'close', not 'exit': the last output may still be in the pipes when the process is gone.
  const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exit };
}

async function untilReady(dev: RunningDev): Promise<void> {
  await eventually(
    `runbook dev ready (stdout: ${dev.stdout()} stderr: ${dev.stderr()})`,
    () => {
      if (dev.child.exitCode !== null)
        throw new Error(`runbook dev exited early with ${dev.child.exitCode}: ${dev.stderr()}`);
      return dev.stdout().includes('Web UI:');
    },
    60_000,
  );
}

async function stopDev(dev: RunningDev): Promise<number | null> {
  dev.child.kill('SIGTERM');
  return dev.exit;
}

function pidfileOf(dataDir: string): DevPidfile {
  const pidfile = readPidfile(join(dataDir, PIDFILE_NAME));
  if (!pidfile) throw new Error(`no pidfile in ${dataDir}`);
  return pidfile;
}

async function listen(port: number): Promise<Server> {
  const server = createServer();
  listeners.push(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}

describe('runbook dev refuses bad input before starting anything', () => {
  it('UI port equal to the gRPC port: exit 2, no data dir, no server', async () => {
    const dataDir = newDataDir();
    const port = await freePort();
    const run = await runCli(['dev', '--port', String(port), '--ui-port', String(port), '--data-dir', dataDir], {
      env: devEnv(dataDir),
      timeoutMs: 20_000,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`both ${port}`);
    expect(existsSync(dataDir)).toBe(false);
    expect(await processesMentioning(dataDir)).toEqual([]);
  });

  it('data dir that is a file: exit 2 naming it, nothing started', async () => {
    const file = join(root, 'not-a-dir');
    writeFileSync(file, 'x');
    const run = await runCli(
      ['dev', '--port', String(await freePort()), '--ui-port', String(await freePort()), '--data-dir', file],
      {
        env: devEnv(file),
        timeoutMs: 20_000,
      },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`data dir ${file} is not a directory`);
    expect(await processesMentioning(file)).toEqual([]);
  });

  it('gRPC or UI port held by another listener: exit 2 naming the port and the option to change it', async () => {
    const dataDir = newDataDir();
    const [port, uiPort] = [await freePort(), await freePort()];
    await listen(port);
    const grpc = await runCli(['dev', '--port', String(port), '--ui-port', String(uiPort), '--data-dir', dataDir], {
      env: devEnv(dataDir),
      timeoutMs: 20_000,
    });
    expect(grpc.code).toBe(2);
    // The listener is this test process: found through /proc, named by PID.
    expect(grpc.stderr).toContain(`gRPC port ${port} is already in use by another process (PID ${process.pid}`);
    expect(grpc.stderr).toContain('RUNBOOK_DEV_PORT');
    expect(grpc.stdout).not.toContain('Temporal dev server:');

    const otherPort = await freePort();
    await listen(uiPort);
    const ui = await runCli(['dev', '--port', String(otherPort), '--ui-port', String(uiPort), '--data-dir', dataDir], {
      env: devEnv(dataDir),
      timeoutMs: 20_000,
    });
    expect(ui.code).toBe(2);
    expect(ui.stderr).toContain(`Web UI port ${uiPort} is already in use`);
    expect(ui.stderr).toContain('--ui-port');
    expect(await processesMentioning(dataDir)).toEqual([]);
    expect(existsSync(join(dataDir, PIDFILE_NAME))).toBe(false);
  });

  it('another Temporal server on the port (the shared test server): refused, not attached to', async () => {
    const dataDir = newDataDir();
    const busyPort = Number(temporalAddress().split(':').at(-1));
    const run = await runCli(
      ['dev', '--port', String(busyPort), '--ui-port', String(await freePort()), '--data-dir', dataDir],
      {
        env: devEnv(dataDir),
        timeoutMs: 20_000,
      },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      new RegExp(`gRPC port ${busyPort} is already in use by another process \\(PID \\d+: a Temporal dev server`),
    );
    expect(run.stdout).not.toContain('Temporal dev server:');
  });

  it('missing Temporal binary: exit 1 promptly with what to do', async () => {
    const dataDir = newDataDir();
    const run = await runCli(
      ['dev', '--port', String(await freePort()), '--ui-port', String(await freePort()), '--data-dir', dataDir],
      {
        env: { ...devEnv(dataDir), TEMPORAL_CLI_PATH: join(root, 'no-such-temporal') },
        timeoutMs: 20_000,
      },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('TEMPORAL_CLI_PATH');
    expect(run.stderr).toContain('npm run setup');
  });
});

describe('runbook dev owns its Temporal server', () => {
  it('kill -9 takes the server with it; a leftover server is cleaned up by the next start; a live owner is respected', async () => {
    const dataDir = newDataDir();
    const [port, uiPort] = [await freePort(), await freePort()];

    const first = spawnDev(dataDir, port, uiPort);
    await untilReady(first);
    const firstPidfile = pidfileOf(dataDir);
    expect(firstPidfile).toMatchObject({
      port,
      uiPort,
      ownerPid: first.child.pid,
      dbFile: join(dataDir, 'temporal.sqlite'),
    });
    expect(isAlive(firstPidfile.serverPid)).toBe(true);
    expect(commandLine(firstPidfile.serverPid)).toContain('start-dev');

    // A second `runbook dev` on the same data dir while the first lives: refused, first untouched.
    const intruder = await runCli(
      ['dev', '--port', String(await freePort()), '--ui-port', String(await freePort()), '--data-dir', dataDir],
      {
        env: devEnv(dataDir),
        timeoutMs: 30_000,
      },
    );
    expect(intruder.code).toBe(2);
    expect(intruder.stderr).toContain(`in use by a running \`runbook dev\` (PID ${first.child.pid}`);
    expect(isAlive(firstPidfile.serverPid)).toBe(true);

    first.child.kill('SIGKILL');
    await first.exit;
    await eventually(
      `server PID ${firstPidfile.serverPid} gone after kill -9 of runbook dev`,
      () => !isAlive(firstPidfile.serverPid),
    );

    const second = spawnDev(dataDir, port, uiPort);
    await untilReady(second);
    expect(second.stdout()).toContain(
      `Temporal dev server: 127.0.0.1:${port} (namespace default, state in ${join(dataDir, 'temporal.sqlite')})`,
    );
    expect(second.stdout()).toContain(`Web UI: http://127.0.0.1:${uiPort}`);
    const secondPidfile = pidfileOf(dataDir);
    expect(secondPidfile.ownerPid).toBe(second.child.pid);
    expect(secondPidfile.serverPid).not.toBe(firstPidfile.serverPid);

    // Watchdog and owner both killed: the server is orphaned, and only the pidfile knows about it.
    // Its output still goes to the killed watchdog's pipe, and its next log line would end it
    // (SIGPIPE) at a moment nobody chooses. Stopped first, it writes nothing until the next start
    // looks, and that start must still stop it gracefully.
    process.kill(secondPidfile.serverPid, 'SIGSTOP');
    process.kill(secondPidfile.watchdogPid, 'SIGKILL');
    second.child.kill('SIGKILL');
    await second.exit;
    await eventually('watchdog gone', () => !isAlive(secondPidfile.watchdogPid));
    expect(isAlive(secondPidfile.serverPid)).toBe(true);

    const third = spawnDev(dataDir, port, uiPort);
    await untilReady(third);
    // stderr and stdout are separate pipes: the notice may arrive after the ready banner is read.
    const notice = `Stopped a leftover \`runbook dev\` Temporal server (PID ${secondPidfile.serverPid}, port ${port})`;
    await eventually('the leftover notice on stderr', () => third.stderr().includes(notice));
    expect(isAlive(secondPidfile.serverPid)).toBe(false);
    const thirdPidfile = pidfileOf(dataDir);

    expect(await stopDev(third)).toBe(0);
    expect(isAlive(thirdPidfile.serverPid)).toBe(false);
    expect(existsSync(join(dataDir, PIDFILE_NAME))).toBe(false);
  }, 180_000);

  it('SIGTERM during startup stops the server and exits promptly', async () => {
    const dataDir = newDataDir();
    const dev = spawnDev(dataDir, await freePort(), await freePort());
    // The pidfile appears once the server process exists, before it is ready.
    await eventually('pidfile written', () => readPidfile(join(dataDir, PIDFILE_NAME)) !== undefined, 30_000);
    const { serverPid } = pidfileOf(dataDir);
    const readyBeforeSignal = dev.stdout().includes('Web UI:');
    dev.child.kill('SIGTERM');
    const code = await Promise.race([dev.exit, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000))]);
    // Startup is usually slower than our signal; if it won the race, the worker's graceful stop applies.
    expect(code).toBe(readyBeforeSignal || dev.stdout().includes('Web UI:') ? 0 : 143);
    if (code === 143) expect(dev.stderr()).toContain('interrupted by SIGTERM during startup');
    expect(isAlive(serverPid)).toBe(false);
    expect(existsSync(join(dataDir, PIDFILE_NAME))).toBe(false);
  }, 60_000);
});
