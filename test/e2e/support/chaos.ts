/**
 * What the kill -9 tests share: worker processes (chaos-worker-process.ts) to SIGKILL, waits on
 * observable conditions (bounded polling, never a fixed sleep), and a way to let the server time
 * out the activity attempt a killed worker held.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { Client } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { statusQuery, type IncidentStatus } from '../../../src/contract/index.ts';
import { temporalAddress, temporalNamespace } from '../../support/temporal.ts';
import type { IncidentHandle } from '../../../src/app/incident-workflow.ts';

export const NODE = fileURLToPath(new URL('../../../node_modules/.bin/node', import.meta.url));
const WORKER_SCRIPT = fileURLToPath(new URL('./chaos-worker-process.ts', import.meta.url));

export interface WorkerOptions {
  dir: string;
  taskQueue: string;
  bundlePath: string;
  env?: Record<string, string>;
}

const children: ChildProcess[] = [];

/** Starts a worker process and resolves once it polls. */
export async function startWorker(options: WorkerOptions): Promise<ChildProcess> {
  const child = spawn(NODE, [WORKER_SCRIPT], {
    env: {
      ...process.env,
      WORKER_DIR: options.dir,
      TEMPORAL_ADDRESS: temporalAddress(),
      TEMPORAL_NAMESPACE: temporalNamespace(),
      TASK_QUEUE: options.taskQueue,
      WORKFLOW_BUNDLE: options.bundlePath,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('READY')) resolve();
    });
    child.once('exit', (code) =>
      reject(new Error(`worker exited (${code}) before it was ready: ${stderr.slice(-2000)}`)),
    );
  });
  return child;
}

/** SIGKILLs every worker still running (afterAll). */
export function killAllWorkers(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

export async function sigkill(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
  expect(child.signalCode).toBe('SIGKILL');
}

export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 45_000,
  everyMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function waitForStatus(
  handle: IncidentHandle,
  predicate: (s: IncidentStatus) => boolean,
  what: string,
  timeoutMs = 45_000,
): Promise<IncidentStatus> {
  let last: IncidentStatus | null = null;
  try {
    return await until(
      what,
      async () => {
        last = await handle.query(statusQuery).catch(() => null);
        return last && predicate(last) ? last : undefined;
      },
      timeoutMs,
      50,
    );
  } catch (err) {
    const s = last as IncidentStatus | null;
    throw new Error(
      `${(err as Error).message}; state ${s?.state}, pending ${JSON.stringify(s?.pendingApprovals.map((a) => a.stepId))}`,
      { cause: err },
    );
  }
}

export const pending = (stepId: string) => (s: IncidentStatus) => s.pendingApprovals.some((a) => a.stepId === stepId);

export interface PendingActivity {
  activityId: string;
  activityType: string;
  attempt: number;
  state: string;
}

/** Waits until no activity is in flight: a kill inside one would only wait out its timeout. */
export async function waitForQuiet(handle: IncidentHandle): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await handle.describe()).raw.pendingActivities?.length) {
    if (Date.now() > deadline) throw new Error('an activity stayed in flight for 30 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function pendingActivities(handle: IncidentHandle): Promise<PendingActivity[]> {
  const raw = (await handle.describe()).raw.pendingActivities ?? [];
  return raw.map((a) => ({
    activityId: a.activityId ?? '',
    activityType: a.activityType?.name ?? '',
    attempt: a.attempt ?? 0,
    state: String(a.state),
  }));
}

/**
 * A killed worker's activity attempt only ends when the server times it out (startToClose: 1 min
 * for mutations, 90 s for probes). Rather than wait that out, shorten the in-flight attempts'
 * start-to-close timeout (UpdateActivityOptions, what an operator can do with `temporal activity
 * update-options`): the server then times the attempt out itself and schedules the retry, exactly
 * the path it takes after the full timeout. The new timeout also bounds the retry, so it must be
 * long enough for one attempt to succeed.
 */
export async function expireInFlight(
  client: Client,
  handle: IncidentHandle,
  activityTypes?: string[],
  startToCloseSeconds = 10,
): Promise<PendingActivity[]> {
  const inFlight = (await pendingActivities(handle)).filter(
    (a) => !activityTypes || activityTypes.includes(a.activityType),
  );
  for (const a of inFlight) {
    await client.workflowService.updateActivityOptions({
      namespace: client.options.namespace,
      execution: { workflowId: handle.workflowId },
      id: a.activityId,
      activityOptions: { startToCloseTimeout: msToTs(startToCloseSeconds * 1_000) },
      updateMask: { paths: ['start_to_close_timeout'] },
    });
  }
  return inFlight;
}

export interface LoggedWrite {
  /** updateDeployment/updateCronJob (guarded, owner-aware) and restart. */
  method: 'updateDeployment' | 'updateCronJob' | 'restart';
  args: unknown[];
  /** For updateDeployment/updateCronJob: what the written round decided (`null` env / annotation: removed). */
  edit?: {
    env?: Array<{ container: string; name: string; env: { name: string; value?: string } | null }>;
    suspended?: boolean;
    annotations: Record<string, string | null>;
  };
  activity: 'applyMutation' | 'revertMutation' | null;
  pid: number;
}
export interface LoggedActivity {
  activity: 'applyMutation' | 'revertMutation';
  mutationId: string;
  attempt: number;
  pid: number;
}

export async function readJsonl<T>(path: string): Promise<T[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
}

/** Resolves with paused.json once a worker stopped inside the hooked activity. */
export async function waitForPause(
  dir: string,
  timeoutMs = 45_000,
): Promise<{ pid: number; activity: string; method: string; mutationId: string }> {
  const path = join(dir, 'paused.json');
  return until(
    'a worker to pause inside the hooked activity',
    async () => {
      if (!existsSync(path)) return undefined;
      try {
        return JSON.parse(await readFile(path, 'utf8')) as {
          pid: number;
          activity: string;
          method: string;
          mutationId: string;
        };
      } catch {
        return undefined; // still being written
      }
    },
    timeoutMs,
  );
}
