import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { isAlive, terminate } from './processes.ts';

export interface SupervisedOptions {
  /** Shown in errors: "postgres", "temporal-server". */
  name: string;
  binary: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as this user (only when we are root: PostgreSQL refuses to run as root). */
  uid?: number;
  gid?: number;
  /** SIGTERM, then SIGKILL after this long. */
  graceMs?: number;
  onOutput?: (line: string) => void;
}

export interface SupervisedProcess {
  pid: number;
  /** Resolves when the process has exited, whoever stopped it. */
  exited: Promise<void>;
  running(): boolean;
  stop(): Promise<void>;
  /** SIGKILL, for tests that need a crash rather than a shutdown. */
  kill(): void;
  /** Its last lines of output, for an error that says why it died. */
  recentOutput(): string;
}

const WATCHDOG = join(import.meta.dirname, 'dev-server-watchdog.mjs');

/**
 * Starts a long-running binary behind the same watchdog `runbook dev` uses: it cannot outlive its
 * owner, even when the owner is SIGKILLed (the watchdog sees its stdin close and stops it).
 */
export async function startSupervised(options: SupervisedOptions): Promise<SupervisedProcess> {
  const graceMs = options.graceMs ?? 10_000;
  const watchdog: ChildProcess = spawn(process.execPath, [WATCHDOG, String(graceMs), options.binary, ...options.args], {
    stdio: ['pipe', 'pipe', 'pipe', 'ipc'],
    env: options.env ?? process.env,
    cwd: options.cwd,
    uid: options.uid,
    gid: options.gid,
  });
  const recent: string[] = [];
  const forward = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line.trim()) continue;
      recent.push(line.length > 400 ? `${line.slice(0, 400)}…` : line);
      if (recent.length > 20) recent.shift();
      options.onOutput?.(line);
    }
  };
  watchdog.stdout?.on('data', forward);
  watchdog.stderr?.on('data', forward);
  watchdog.stdin?.on('error', () => undefined);
  const exited = once(watchdog, 'exit').then(() => undefined);
  const pid = await new Promise<number>((resolve, reject) => {
    watchdog.once('message', (message) => {
      const serverPid = (message as { serverPid?: unknown } | null)?.serverPid;
      if (typeof serverPid === 'number') resolve(serverPid);
      else reject(new Error(`${options.name}: unexpected message from its watchdog`));
    });
    watchdog.once('exit', (code) =>
      reject(new Error(`${options.name} could not be started (exit code ${code}); is ${options.binary} installed?`)),
    );
  });
  let stopping: Promise<void> | undefined;
  const running = () => watchdog.exitCode === null && watchdog.signalCode === null;
  return {
    pid,
    exited,
    running,
    stop: () =>
      (stopping ??= (async () => {
        watchdog.stdin?.end();
        const timer = setTimeout(() => watchdog.kill('SIGKILL'), graceMs + 5_000);
        if (running()) await exited;
        clearTimeout(timer);
        if (isAlive(pid)) await terminate(pid, graceMs);
        if (watchdog.connected) watchdog.disconnect();
      })()),
    recentOutput: () => recent.join('\n'),
    kill: () => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    },
  };
}
