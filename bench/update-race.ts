// The SDK's nondeterminism that can stop an incident (bench/RESULTS.md §4j), on plain SDK packages and
// a dev server of its own: workflows loop over an activity and a timer on a worker with a small
// cache, and each round the driver completes the activity from outside, sends an update and, unless
// --no-query, queries the workflow, all at once. A workflow whose history no longer replays is stuck
// the way §4i's incident was. The race is rare: one run with none stuck proves little, a stuck one
// proves it is there. Run it several times after an SDK upgrade.
//
//   npm run bench:update-race -- --workflows 100 --rounds 10 --cache 2
//   npm run bench:update-race -- --workflows 100 --rounds 10 --cache 2 --no-query
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { CompleteAsyncError, Context } from '@temporalio/activity';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { startDevServer } from '../src/infra/dev-server.ts';
import { answeredQuery, answerUpdate } from './fixtures/update-race-contract.ts';
import type { updateRaceWorkflow } from './fixtures/update-race-workflow.ts';

const { values } = parseArgs({
  options: {
    workflows: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '10' },
    cache: { type: 'string', default: '2' },
    'no-query': { type: 'boolean', default: false },
    'deadline-s': { type: 'string', default: '120' },
  },
  strict: true,
});
const whole = (name: 'workflows' | 'rounds' | 'cache' | 'deadline-s') => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name} must be a whole number of at least 1, got ${values[name]}`);
    process.exit(2);
  }
  return n;
};
const [workflows, rounds, cache, deadlineS] = [
  whole('workflows'),
  whole('rounds'),
  whole('cache'),
  whole('deadline-s'),
];
const withQuery = !values['no-query'];
const workflowsPath = fileURLToPath(new URL('./fixtures/update-race-workflow.ts', import.meta.url));

/** Task tokens of the activities the driver completes, handed over as each one starts. */
class Tokens {
  private readonly waiting = new Map<string, (token: Uint8Array) => void>();
  private readonly early = new Map<string, Uint8Array[]>();
  give(workflowId: string, token: Uint8Array): void {
    const take = this.waiting.get(workflowId);
    this.waiting.delete(workflowId);
    if (take) take(token);
    else this.early.set(workflowId, [...(this.early.get(workflowId) ?? []), token]);
  }
  next(workflowId: string): Promise<Uint8Array> {
    const ready = this.early.get(workflowId)?.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => this.waiting.set(workflowId, resolve));
  }
}

Runtime.install({ logger: new DefaultLogger('ERROR') });
const server = await startDevServer({ uiPort: null });
try {
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: server.namespace });
  const tokens = new Tokens();
  const taskQueue = `update-race-${randomUUID()}`;
  const worker = await Worker.create({
    connection: await NativeConnection.connect({ address: server.address }),
    namespace: server.namespace,
    taskQueue,
    workflowsPath,
    maxCachedWorkflows: cache,
    activities: {
      async awaitCompletion() {
        const info = Context.current().info;
        tokens.give(info.workflowExecution?.workflowId ?? '', info.taskToken);
        throw new CompleteAsyncError();
      },
    },
  });
  const ids = Array.from({ length: workflows }, (_, i) => `${taskQueue}-${i}`);
  const started = Date.now();
  const report = await worker.runUntil(async () => {
    const drive = async (workflowId: string) => {
      const handle = await client.workflow.start<typeof updateRaceWorkflow>('updateRaceWorkflow', {
        taskQueue,
        workflowId,
        args: [rounds],
      });
      for (let round = 0; round < rounds; round += 1) {
        const token = await tokens.next(workflowId);
        await Promise.all([
          client.activity.complete(token, undefined),
          handle.executeUpdate(answerUpdate, { args: [round] }),
          ...(withQuery ? [handle.query(answeredQuery)] : []),
        ]);
      }
      await handle.result();
    };
    // A stuck workflow never finishes, and a query to it may fail: the run ends at the deadline,
    // counts what failed, and replays what is there.
    const driverErrors: string[] = [];
    const deadline = new AbortController();
    const finished = await Promise.race([
      Promise.all(
        ids.map((id) => drive(id).catch((err: unknown) => driverErrors.push(`${id}: ${(err as Error).message}`))),
      ).then(() => true),
      sleep(deadlineS * 1000, undefined, { signal: deadline.signal }).then(
        () => false,
        () => true,
      ),
    ]);
    deadline.abort();
    const histories = await Promise.all(
      ids.map(async (workflowId) => ({
        workflowId,
        history: await client.workflow.getHandle(workflowId).fetchHistory(),
      })),
    );
    const stuck: { workflowId: string; error: string }[] = [];
    for await (const result of Worker.runReplayHistories({ workflowsPath }, histories)) {
      if (!result.error) continue;
      // The SDK wraps the core's message in a long one: keep what the core says.
      const message = result.error.message;
      stuck.push({
        workflowId: result.workflowId,
        error: /Nondeterminism error: ([^"\\]+)/.exec(message)?.[1] ?? message.slice(0, 300),
      });
    }
    return { finished, stuck, driverErrors };
  });
  console.log(
    JSON.stringify({
      workflows,
      rounds,
      cache,
      query: withQuery,
      seconds: Math.round((Date.now() - started) / 1000),
      allFinished: report.finished,
      driverErrors: report.driverErrors.slice(0, 5),
      stuck: report.stuck.length,
      stuckWorkflows: report.stuck,
    }),
  );
  await connection.close();
} finally {
  await server.stop();
}
