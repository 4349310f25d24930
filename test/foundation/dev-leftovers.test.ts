import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanUpLeftovers } from '../../src/infra/dev-leftovers.ts';
import { readPidfile, writePidfile, type DevPidfile } from '../../src/infra/dev-pidfile.ts';
import { freePort, portInUse } from '../../src/infra/ports.ts';
import { isAlive } from '../../src/infra/processes.ts';

const root = await mkdtemp(join(tmpdir(), 'dev-leftovers-'));
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await rm(root, { recursive: true, force: true });
});

const IDLE = 'process.stdout.write("up"); setInterval(() => {}, 1000)';
/** Like the Temporal server: a SIGTERM is a request to shut down, answered by a clean exit. */
const GRACEFUL = `process.on("SIGTERM", () => process.exit(0)); ${IDLE}`;

/** A process whose command line reads like `argv`, so it can stand in for a server or an owner. */
async function fakeProcess(...argv: string[]): Promise<ChildProcess> {
  return spawnFake(IDLE, argv);
}

async function spawnFake(script: string, argv: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', script, '--', ...argv], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  children.push(child);
  await once(child.stdout!, 'data');
  return child;
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await once(child, 'exit');
  return child.pid!;
}

let n = 0;
function fixture(fields: Partial<DevPidfile>): { pidFile: string; dbFile: string } {
  const dir = join(root, `d${++n}`);
  const dbFile = join(dir, 'temporal.sqlite');
  const pidFile = join(dir, 'temporal-server.pid');
  mkdirSync(dir, { recursive: true });
  writePidfile(pidFile, {
    serverPid: 1,
    watchdogPid: 1,
    ownerPid: 1,
    port: 7233,
    uiPort: 8233,
    dbFile,
    startedAt: new Date().toISOString(),
    ...fields,
  });
  return { pidFile, dbFile };
}

describe('cleanUpLeftovers', () => {
  it('removes a pidfile whose server is gone', async () => {
    const { pidFile, dbFile } = fixture({ serverPid: await deadPid() });
    expect((await cleanUpLeftovers(pidFile, dbFile)).kind).toBe('clean');
    expect(existsSync(pidFile)).toBe(false);
  });

  it('removes a malformed pidfile', async () => {
    const { pidFile, dbFile } = fixture({});
    writeFileSync(pidFile, '{"serverPid": "nope"');
    expect((await cleanUpLeftovers(pidFile, dbFile)).kind).toBe('clean');
    expect(existsSync(pidFile)).toBe(false);
  });

  it('leaves an unrelated process that reuses the PID alone, and forgets the pidfile', async () => {
    const unrelated = await fakeProcess('something-else');
    const { pidFile, dbFile } = fixture({ serverPid: unrelated.pid!, ownerPid: await deadPid() });
    expect((await cleanUpLeftovers(pidFile, dbFile)).kind).toBe('pid-reused');
    expect(isAlive(unrelated.pid!)).toBe(true);
    expect(existsSync(pidFile)).toBe(false);
  });

  it('does not touch a server whose runbook dev is still running', async () => {
    const dbFile = join(root, 'in-use', 'temporal.sqlite');
    const server = await fakeProcess('server', 'start-dev', '--db-filename', dbFile);
    const owner = await fakeProcess('runbook', 'dev');
    const { pidFile } = fixture({ serverPid: server.pid!, ownerPid: owner.pid!, dbFile });
    const outcome = await cleanUpLeftovers(pidFile, dbFile);
    expect(outcome.kind).toBe('in-use');
    expect(isAlive(server.pid!)).toBe(true);
    expect(readPidfile(pidFile)?.serverPid).toBe(server.pid);
  });

  it('stops the server of a runbook dev that is gone, and removes the pidfile', async () => {
    const { pidFile, dbFile } = fixture({});
    const server = await fakeProcess('server', 'start-dev', '--db-filename', dbFile);
    writePidfile(pidFile, { ...readPidfile(pidFile)!, serverPid: server.pid!, ownerPid: await deadPid() });
    const exited = once(server, 'exit');
    const outcome = await cleanUpLeftovers(pidFile, dbFile);
    expect(outcome.kind).toBe('stopped');
    await exited;
    expect(server.signalCode).toBe('SIGTERM');
    expect(existsSync(pidFile)).toBe(false);
  });

  it('stops a leftover server that was itself stopped (SIGSTOP) gracefully, not by SIGKILL at the deadline', async () => {
    const { pidFile, dbFile } = fixture({});
    const server = await spawnFake(GRACEFUL, ['server', 'start-dev', '--db-filename', dbFile]);
    writePidfile(pidFile, { ...readPidfile(pidFile)!, serverPid: server.pid!, ownerPid: await deadPid() });
    server.kill('SIGSTOP');
    const exited = once(server, 'exit');
    expect((await cleanUpLeftovers(pidFile, dbFile)).kind).toBe('stopped');
    await exited;
    expect({ code: server.exitCode, signal: server.signalCode }).toEqual({ code: 0, signal: null });
  });
});

describe('portInUse', () => {
  it('is true while something listens on the port and false once it is gone', async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    expect(await portInUse(port)).toBe(true);
    await new Promise((r) => server.close(r));
    expect(await portInUse(port)).toBe(false);
  });
});
