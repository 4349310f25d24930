import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** Per lock path, the tail of this process's queue: callers in one process wait in turn instead of polling the file. */
const queues = new Map<string, Promise<unknown>>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes `<path>.lock` (O_EXCL create), breaking it only when the process that holds it is gone. */
async function acquire(lock: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let round = 1; ; round += 1) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number.parseInt(safeRead(lock), 10);
    if (Number.isInteger(holder) && holder > 0 && !alive(holder)) {
      rmSync(lock, { force: true });
      continue;
    }
    if (Date.now() > deadline)
      throw new Error(
        `record-only model ${lock} stayed locked for ${timeoutMs} ms (by pid ${holder || 'unknown'}); will retry`,
      );
    await delay(Math.random() * Math.min(2 ** round, 50));
  }
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Runs `fn` holding the lock on `path`, against other callers in this process and other processes
 * sharing the file (workers, a CLI drill), so read-modify-write of the model is one step.
 */
export async function withFileLock<T>(path: string, fn: () => T | Promise<T>, timeoutMs = 30_000): Promise<T> {
  const lock = `${resolve(path)}.lock`;
  const before = queues.get(lock) ?? Promise.resolve();
  const run = before.then(async () => {
    await acquire(lock, timeoutMs);
    try {
      return await fn();
    } finally {
      rmSync(lock, { force: true });
    }
  });
  const tail = run.catch(() => undefined);
  queues.set(lock, tail);
  void tail.then(() => {
    if (queues.get(lock) === tail) queues.delete(lock);
  });
  return run;
}
