import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/infra/temporal-binary.ts';

export const NODE = join(PROJECT_ROOT, 'node_modules', '.bin', 'node');
export const RUNBOOK_BIN = join(PROJECT_ROOT, 'bin', 'runbook.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `runbook <args>` as a real process, the way a person would. */
export function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; node?: string; timeoutMs?: number; input?: string } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(options.node ?? NODE, [RUNBOOK_BIN, ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, RUNBOOK_LOG_FORMAT: 'json', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `runbook ${args.join(' ')} did not finish in ${options.timeoutMs ?? 60_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    // 'close', not 'exit': the process may be gone while its last output is still in the pipes.
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}
