import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { cleanUpLeftovers } from '../infra/dev-leftovers.ts';
import { PIDFILE_NAME, readPidfile } from '../infra/dev-pidfile.ts';
import {
  DevServerAbortedError,
  PortInUseError,
  startDevServer,
  TemporalBinaryNotFoundError,
  type DevServer,
} from '../infra/dev-server.ts';
import { findPortOwner } from '../infra/port-owner.ts';
import { isAlive } from '../infra/processes.ts';
import { resolveTemporalBinary } from '../infra/temporal-binary.ts';
import { CliError, EXIT, UsageError } from './errors.ts';
import { interruptibleStartup } from './startup-signals.ts';

export interface DevStartupOptions {
  port: number;
  /** `null`: no Web UI. */
  uiPort: number | null;
  dataDir: string;
  logger: Logger;
  /** One-line notices for the person at the terminal. */
  notice: (line: string) => void;
}

/**
 * Everything `runbook dev` does before its worker runs: refuse bad input before starting anything,
 * clean up after a previous run that died, start the server, and stop it again on any failure or
 * signal. Errors come out as `CliError`s with the exit code the README promises.
 */
export async function startOwnedDevServer(options: DevStartupOptions): Promise<DevServer> {
  const { port, uiPort, dataDir, logger } = options;
  checkDevInputs(options);
  prepareDataDir(dataDir);
  requireTemporalBinary();
  const dbFile = join(dataDir, 'temporal.sqlite');
  const pidFile = join(dataDir, PIDFILE_NAME);

  const leftover = await cleanUpLeftovers(pidFile, dbFile);
  logger.debug({ pidFile, outcome: leftover.kind }, 'checked for a leftover dev server');
  if (leftover.kind === 'stopped') {
    options.notice(
      `Stopped a leftover \`runbook dev\` Temporal server (PID ${leftover.pidfile.serverPid}, port ${leftover.pidfile.port}) ` +
        `whose \`runbook dev\` (PID ${leftover.pidfile.ownerPid}) is gone.`,
    );
  } else if (leftover.kind === 'in-use') {
    throw new UsageError(
      `data dir ${dataDir} is in use by a running \`runbook dev\` (PID ${leftover.pidfile.ownerPid}, Temporal server PID ` +
        `${leftover.pidfile.serverPid} on port ${leftover.pidfile.port}); stop it first or pass another --data-dir`,
    );
  }

  return interruptibleStartup(async (signal) => {
    let server: DevServer;
    try {
      server = await startDevServer({
        port,
        uiPort,
        dbFile,
        pidFile,
        signal,
        onOutput: (line) => logger.debug({ source: 'temporal-server' }, line),
      });
    } catch (err) {
      if (err instanceof PortInUseError) throw new UsageError(describePortHolder(err, pidFile));
      if (err instanceof TemporalBinaryNotFoundError) throw new CliError(err.message, EXIT.failure);
      if (err instanceof DevServerAbortedError) throw err;
      throw new CliError(`could not start the Temporal dev server: ${(err as Error).message}`, EXIT.failure, {
        cause: err,
      });
    }
    // A signal that lands just as the server became ready still means "stop".
    if (signal.aborted) {
      await server.stop();
      throw new DevServerAbortedError();
    }
    return server;
  });
}

/** The mistakes in `runbook dev`'s own options, refused before anything is created or started. */
export function checkDevInputs(options: Pick<DevStartupOptions, 'port' | 'uiPort' | 'dataDir'>): void {
  const { port, uiPort, dataDir } = options;
  if (uiPort === port) {
    throw new UsageError(`--ui-port and --port are both ${port}: the Web UI needs a port of its own (or pass --no-ui)`);
  }
  checkDataDir(dataDir);
}

function checkDataDir(dataDir: string): void {
  const notADirectory = `data dir ${dataDir} is not a directory; point --data-dir (or RUNBOOK_DATA_DIR) at a directory`;
  try {
    if (!statSync(dataDir).isDirectory()) throw new UsageError(notADirectory);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new UsageError(notADirectory);
    if (code !== 'ENOENT') throw new UsageError(`data dir ${dataDir} is not usable: ${(err as Error).message}`);
  }
}

function prepareDataDir(dataDir: string): void {
  checkDataDir(dataDir);
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (err) {
    throw new UsageError(`cannot create data dir ${dataDir}: ${(err as Error).message}`);
  }
}

function requireTemporalBinary(): void {
  let found;
  try {
    found = resolveTemporalBinary('cli');
  } catch (err) {
    throw new CliError(
      `${(err as Error).message} (or run \`npm run setup\` to install the project's own)`,
      EXIT.failure,
    );
  }
  if (!found) throw new CliError(new TemporalBinaryNotFoundError().message, EXIT.failure);
}

function describePortHolder(err: PortInUseError, pidFile: string): string {
  const pidfile = readPidfile(pidFile);
  if (pidfile && isAlive(pidfile.serverPid) && (pidfile.port === err.port || pidfile.uiPort === err.port)) {
    return (
      `${err.role} port ${err.port} is held by PID ${pidfile.serverPid}, a leftover \`runbook dev\` Temporal server ` +
      `(started ${pidfile.startedAt}); stop it (kill ${pidfile.serverPid}) and try again`
    );
  }
  const how = err.role === 'gRPC' ? '--port or RUNBOOK_DEV_PORT' : '--ui-port or RUNBOOK_UI_PORT (or --no-ui)';
  const owner = findPortOwner(err.port);
  const who = owner ? ` (PID ${owner.pid}: ${describeCommand(owner.command)})` : '';
  return `${err.role} port ${err.port} is already in use by another process${who}; choose another port with ${how}`;
}

function describeCommand(argv: string[]): string {
  if (argv.includes('start-dev')) {
    const db = argv.indexOf('--db-filename');
    return `a Temporal dev server${db >= 0 && argv[db + 1] ? ` with state in ${argv[db + 1]}` : ''}`;
  }
  const text = argv.join(' ');
  return text.length > 80 ? `${text.slice(0, 77)}...` : text || 'unknown command';
}
