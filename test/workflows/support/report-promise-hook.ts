// A workflow thread's preload for tests: the worker's own, then a report of which promise hook and
// which execution watchdog the thread runs, on the channel the test listens to.
import { BroadcastChannel } from 'node:worker_threads';

const { lazyPromiseStacks, activationWatchdog } = await import('../../../src/worker/workflow-thread-preload.ts');
const channel = new BroadcastChannel('promise-hook-report');
channel.postMessage({ lazyPromiseStacks, activationWatchdog });
channel.close();
