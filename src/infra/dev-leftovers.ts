import { readPidfile, removePidfile, type DevPidfile } from './dev-pidfile.ts';
import { commandLine, isAlive, terminate } from './processes.ts';

export type LeftoverOutcome =
  /** No pidfile, or one naming a process that is gone (removed). */
  | { kind: 'clean' }
  /** The PID now belongs to an unrelated program; the pidfile was removed, nothing killed. */
  | { kind: 'pid-reused'; pidfile: DevPidfile }
  /** A server from a dead `runbook dev` on this data dir was still running; it was stopped. */
  | { kind: 'stopped'; pidfile: DevPidfile }
  /** Another `runbook dev` is alive and owns this data dir. */
  | { kind: 'in-use'; pidfile: DevPidfile }
  /** A live process we cannot identify (no /proc) or could not stop; left alone. */
  | { kind: 'unresolved'; pidfile: DevPidfile };

/** Whether `pid` runs `temporal server start-dev` on `dbFile`, judged from its command line. */
export function isDevServerFor(pid: number, dbFile: string): boolean | undefined {
  const argv = commandLine(pid);
  if (!argv) return undefined;
  const db = argv.indexOf('--db-filename');
  return argv.includes('start-dev') && db >= 0 && argv[db + 1] === dbFile;
}

/** PIDs are reused: a live owner PID only counts if it still looks like a `runbook dev`. */
function ownerAlive(pid: number): boolean {
  if (pid === process.pid || !isAlive(pid)) return false;
  return commandLine(pid)?.includes('dev') ?? true;
}

/**
 * Reads the pidfile a previous `runbook dev` left and cleans up after it if its owner is gone.
 * A server whose owner is still alive is never touched: that is someone's running session.
 */
export async function cleanUpLeftovers(pidFile: string, dbFile: string): Promise<LeftoverOutcome> {
  const pidfile = readPidfile(pidFile);
  if (!pidfile) {
    removePidfile(pidFile);
    return { kind: 'clean' };
  }
  if (!isAlive(pidfile.serverPid)) {
    removePidfile(pidFile, pidfile.serverPid);
    return { kind: 'clean' };
  }
  const ours = isDevServerFor(pidfile.serverPid, dbFile);
  if (ours === false) {
    removePidfile(pidFile, pidfile.serverPid);
    return { kind: 'pid-reused', pidfile };
  }
  if (ours === undefined) return { kind: 'unresolved', pidfile };
  if (ownerAlive(pidfile.ownerPid)) return { kind: 'in-use', pidfile };
  if (!(await terminate(pidfile.serverPid))) return { kind: 'unresolved', pidfile };
  removePidfile(pidFile, pidfile.serverPid);
  return { kind: 'stopped', pidfile };
}
