// What a cache miss costs the worker: every stored incident history (test/fixtures/histories/current)
// replayed from its first event, as a worker does for an incident it no longer holds, with no server.
//
//   npm run bench:replay -- --rounds 20
//   npm run bench:replay -- --rounds 20 --sdk-promise-hook   # the SDK's own promise hook, to compare
//   npm run bench:replay -- --rounds 20 --sdk-watchdog       # a watchdog per call into a workflow, to compare
//   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/replay.ts --rounds 20
//
// A replay runs on this thread (the SDK's replay worker), with the promise hook a worker's workflow
// threads run (src/worker/promise-stacks.ts) unless --sdk-promise-hook, and their watchdog per
// activation (src/worker/activation-watchdog.ts) unless --sdk-watchdog. Reports the process's CPU
// (every thread: the workflow thread replays, the main thread hands activations over) per replayed
// history and per history event, and the wall time.
import { readdir, readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { bundleIncidentWorkflows } from '../src/infra/workflow-bundle.ts';
import { installActivationWatchdog } from '../src/worker/activation-watchdog.ts';
import { installLazyPromiseStacks } from '../src/worker/promise-stacks.ts';
import { sdkVmShared } from '../src/worker/sdk-vm-shared.ts';
import { CURRENT_HISTORIES_DIR, historyFromJson } from '../test/e2e/support/histories.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '20' },
    'sdk-promise-hook': { type: 'boolean', default: false },
    'sdk-watchdog': { type: 'boolean', default: false },
  },
  strict: true,
});
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error(`--rounds must be a whole number of at least 1, got ${values.rounds}`);
  process.exit(2);
}

// What src/worker/workflow-thread-preload.ts installs in a worker's workflow threads, each part optional here.
if (!values['sdk-promise-hook'] && !installLazyPromiseStacks(sdkVmShared.globalHandlers))
  throw new Error("the SDK's handlers are not the shape the lazy promise hook replaces");
if (!values['sdk-watchdog'] && !installActivationWatchdog(sdkVmShared.BaseVMWorkflow))
  throw new Error("the SDK's workflow is not the shape the activation watchdog wraps");
Runtime.install({ logger: new DefaultLogger('WARN') });

const files = (await readdir(CURRENT_HISTORIES_DIR)).filter((f) => f.endsWith('.json')).sort();
const histories = await Promise.all(
  files.map(async (file) => historyFromJson(await readFile(`${CURRENT_HISTORIES_DIR}${file}`, 'utf8'))),
);
const eventsPerRound = histories.reduce((sum, h) => sum + h.events.length, 0);
const code = await bundleIncidentWorkflows();

async function replayRound(round: number): Promise<number> {
  const inputs = histories.map((history, i) => ({ workflowId: `${files[i]}#${round}`, history }));
  let failures = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: { code } }, inputs)) {
    if (result.error) {
      failures += 1;
      console.error(`${result.workflowId}: ${result.error.message}`);
    }
  }
  return failures;
}

// One round to warm the worker thread and the bundle's shared modules, not measured.
await replayRound(0);
const cpuBefore = process.cpuUsage();
const wallBefore = performance.now();
let failures = 0;
for (let round = 1; round <= rounds; round += 1) failures += await replayRound(round);
const cpu = process.cpuUsage(cpuBefore);
const wallMs = performance.now() - wallBefore;
const cpuMs = (cpu.user + cpu.system) / 1000;
const replays = rounds * histories.length;
console.log(
  JSON.stringify({
    histories: histories.length,
    rounds,
    replays,
    eventsPerHistoryMean: Math.round(eventsPerRound / histories.length),
    cpuMsPerReplay: Number((cpuMs / replays).toFixed(2)),
    cpuUsPerEvent: Number(((cpuMs * 1000) / (rounds * eventsPerRound)).toFixed(1)),
    wallMsPerReplay: Number((wallMs / replays).toFixed(2)),
    promiseHook: values['sdk-promise-hook'] ? 'sdk' : 'lazy',
    watchdog: values['sdk-watchdog'] ? 'per call (sdk)' : 'per activation',
    failures,
    node: process.version,
  }),
);
if (failures > 0) process.exit(1);
