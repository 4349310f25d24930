import { createRequire } from 'node:module';
import workerThreads, { type WorkerOptions } from 'node:worker_threads';

const LAZY_PROMISE_STACKS = new URL('./workflow-thread-preload.ts', import.meta.url).href;
const SDK_THREAD_ENTRY = createRequire(import.meta.url).resolve(
  '@temporalio/worker/lib/workflow/workflow-worker-thread',
);

let holders = 0;
let original: typeof workerThreads.Worker | undefined;
let preloading = LAZY_PROMISE_STACKS;
const runningWorkflowThreads = new Set<workerThreads.Worker>();

/** The SDK's workflow threads, started with the preload imported first. */
class PreloadedWorkflowThread extends workerThreads.Worker {
  constructor(filename: string | URL, options: WorkerOptions = {}) {
    const sdkThread = String(filename) === SDK_THREAD_ENTRY;
    const execArgv = [...(options.execArgv ?? process.execArgv), '--import', preloading];
    super(filename, sdkThread ? { ...options, execArgv } : options);
    if (!sdkThread) return;
    runningWorkflowThreads.add(this);
    this.once('exit', () => runningWorkflowThreads.delete(this));
  }
}

/**
 * The heap of every running workflow thread this process started, summed (bytes): where the cached
 * incidents live. The process's own heap figures cover its main thread only. A thread that ends
 * while it is asked is left out.
 */
export async function workflowThreadsHeap(): Promise<{ used: number; size: number }> {
  const heaps = await Promise.all(
    [...runningWorkflowThreads].map((thread) => thread.getHeapStatistics().catch(() => null)),
  );
  let used = 0;
  let size = 0;
  for (const heap of heaps) {
    used += heap?.used_heap_size ?? 0;
    size += heap?.total_heap_size ?? 0;
  }
  return { used, size };
}

/**
 * Runs `create` (a `Worker.create`) with the SDK's workflow threads importing `preload` first: by
 * default the one that replaces their promise hook (promise-stacks.ts). The SDK starts them itself,
 * with no way to pass one in, so the thread constructor it calls is swapped for the length of the
 * call; any other thread started meanwhile starts as it would have.
 */
export async function withPreloadedWorkflowThreads<T>(
  create: () => Promise<T>,
  preload: string = LAZY_PROMISE_STACKS,
): Promise<T> {
  if (holders === 0) {
    original = workerThreads.Worker;
    workerThreads.Worker = PreloadedWorkflowThread;
    preloading = preload;
  } else if (preload !== preloading) {
    throw new Error(
      `cannot start workflow threads with ${preload} while others are being started with ${preloading}: create the workers one after the other`,
    );
  }
  holders += 1;
  try {
    return await create();
  } finally {
    holders -= 1;
    if (holders === 0) workerThreads.Worker = original!;
  }
}
