import { readFileSync } from 'node:fs';

/**
 * True while `pid` runs. A zombie does not count: it has exited and only waits to be reaped, which
 * an init that does not reap (some containers) may never do.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  try {
    // Format: "pid (comm) state ..."; comm may contain spaces and parentheses, so split at the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

/**
 * The argv of a running process, from /proc. `undefined` when the process is gone or the platform
 * has no /proc: callers must then not assume the PID is theirs, since PIDs are reused.
 */
export function commandLine(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw ? raw.split('\0').filter((part) => part !== '') : undefined;
  } catch {
    return undefined;
  }
}

/** Polls until `pid` is gone; false when it is still there at the deadline. */
export async function waitForExit(pid: number, timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return true;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/**
 * SIGTERM, then SIGKILL after `graceMs`; resolves true once the process is gone. A stopped process
 * (Ctrl-Z, SIGSTOP) is continued too: a SIGTERM it handles waits for that, and would otherwise
 * turn a graceful stop into a SIGKILL at the deadline.
 */
export async function terminate(pid: number, graceMs = 10_000): Promise<boolean> {
  signal(pid, 'SIGTERM');
  signal(pid, 'SIGCONT');
  if (await waitForExit(pid, graceMs)) return true;
  signal(pid, 'SIGKILL');
  return waitForExit(pid, 5_000);
}
