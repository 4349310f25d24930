import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { noteSignal } from '../../src/contract/index.ts';
import { resolveTemporalBinary } from '../../src/infra/temporal-binary.ts';
import { bundleIncidentWorkflows } from '../../src/infra/workflow-bundle.ts';
import { withBundleWorker } from '../support/bundle-worker.ts';
import { incidentRowWhen } from '../support/incident-rows.ts';
import { temporalAddress, temporalNamespace, uniqueTaskQueue } from '../support/temporal.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/workflows/${name}`, import.meta.url));

describe('an incident stuck on a history its code cannot replay', () => {
  it('is freed by the reset docs/operating.md gives, and runs on from the task before the failing one', async () => {
    const [first, next] = await Promise.all([
      bundleIncidentWorkflows({ workflowsPath: fixture('reset-first-code.ts') }),
      bundleIncidentWorkflows({ workflowsPath: fixture('reset-next-code.ts') }),
    ]);
    const taskQueue = uniqueTaskQueue('reset');
    const id = `${taskQueue}-incident`;
    // The first code runs it past its first timer, to its wait for a note (the second timer).
    await withBundleWorker(
      { workflowBundleCode: first },
      async (client) => {
        const handle = await client.workflow.start('incidentWorkflow', { taskQueue, workflowId: id });
        await expect
          .poll(async () => (await handle.fetchHistory()).events?.filter((e) => e.timerStartedEventAttributes).length, {
            timeout: 30_000,
          })
          .toBe(2);
      },
      {},
      taskQueue,
    );
    // The next code takes over: the note's task must replay that history, and cannot.
    await withBundleWorker(
      { workflowBundleCode: next },
      async (client) => {
        const handle = client.workflow.getHandle(id);
        await handle.signal(noteSignal, { by: 'alice', text: 'look here' });
        const stuck = await incidentRowWhen(client, id, (r) => r.stuck);
        expect(stuck.problem).toBe('WorkflowTaskFailed: NonDeterministicError');

        // As docs/operating.md says: reset to the WorkflowTaskCompleted before the failing task.
        const events = (await handle.fetchHistory()).events ?? [];
        const before = events.findLast((e) => e.workflowTaskCompletedEventAttributes)!;
        const cli = resolveTemporalBinary('cli')!.path;
        const reset = await promisify(execFile)(cli, [
          'workflow',
          'reset',
          '--workflow-id',
          id,
          '--event-id',
          String(before.eventId),
          '--reason',
          'stuck on a history the deployed code cannot replay',
          '--address',
          temporalAddress(),
          '--namespace',
          temporalNamespace(),
        ]);
        expect(reset.stdout).toMatch(/reset/i);

        // The new run replays to that point on the next code, takes the note (applied again) and ends.
        expect(await client.workflow.getHandle(id).result()).toBe('next code');
        const closed = await incidentRowWhen(client, id, (r) => r.status === 'COMPLETED', { all: true });
        expect(closed).toMatchObject({ stuck: false, problem: null });
      },
      {},
      taskQueue,
    );
  }, 120_000);
});
