// The worker's own account of its workflow cache, read from the SDK's Prometheus exporter: how
// often a workflow task found its incident cached (a hit) or had to replay its history first (a
// miss), how many incidents were evicted to make room, and what a workflow task cost.
import { freePort } from '../src/infra/ports.ts';

export interface CacheCounters {
  hits: number;
  misses: number;
  forcedEvictions: number;
  /** Workflow tasks the worker ran, and their total time from start to completion (ms). */
  tasks: number;
  taskMs: number;
  cachedNow: number;
  /** CPU this process (worker and the bench's client) has used so far (ms). */
  cpuMs: number;
}

/** The exporter's address; pass it to `Runtime.install({ telemetryOptions: { metrics: { prometheus } } })`. */
export async function metricsBindAddress(): Promise<string> {
  return `127.0.0.1:${await freePort()}`;
}

/** Sum of every sample of `name` (any labels), with or without the exporter's `_total` suffix. */
function sum(text: string, name: string): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-z_]+)(\{[^}]*\})?\s+([0-9.eE+-]+|NaN)$/.exec(line.trim());
    if (!match || (match[1] !== name && match[1] !== `${name}_total`)) continue;
    const value = Number(match[3]);
    if (Number.isFinite(value)) total += value;
  }
  return total;
}

export async function readCacheCounters(bindAddress: string): Promise<CacheCounters> {
  const response = await fetch(`http://${bindAddress}/metrics`);
  if (!response.ok) throw new Error(`worker metrics at ${bindAddress}: HTTP ${response.status}`);
  const text = await response.text();
  return {
    hits: sum(text, 'temporal_sticky_cache_hit'),
    misses: sum(text, 'temporal_sticky_cache_miss'),
    forcedEvictions: sum(text, 'temporal_sticky_cache_total_forced_eviction'),
    tasks: sum(text, 'temporal_workflow_task_execution_latency_count'),
    taskMs: sum(text, 'temporal_workflow_task_execution_latency_sum'),
    cachedNow: sum(text, 'temporal_sticky_cache_size'),
    cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
  };
}

/** What happened between two readings, as rates a reader can compare across runs. */
export function cacheReport(before: CacheCounters, after: CacheCounters, seconds: number) {
  const hits = after.hits - before.hits;
  const misses = after.misses - before.misses;
  const tasks = after.tasks - before.tasks;
  const cpuMs = after.cpuMs - before.cpuMs;
  return {
    seconds: Number(seconds.toFixed(1)),
    workflowTasksFromCache: hits,
    workflowTasksReplayed: misses,
    hitRate: hits + misses > 0 ? Number((hits / (hits + misses)).toFixed(3)) : null,
    forcedEvictions: after.forcedEvictions - before.forcedEvictions,
    /** A task's time from start to completion: its replay on a miss, and its wait for the workflow thread. */
    msPerWorkflowTask: tasks > 0 ? Number(((after.taskMs - before.taskMs) / tasks).toFixed(1)) : null,
    workerCpuMsPerWorkflowTask: tasks > 0 ? Number((cpuMs / tasks).toFixed(1)) : null,
    workerCpuShareOfOneCore: seconds > 0 ? Number((cpuMs / 1000 / seconds).toFixed(3)) : null,
    workflowTasksPerSecond: seconds > 0 ? Number((tasks / seconds).toFixed(2)) : null,
    cachedAtEnd: after.cachedNow,
  };
}
