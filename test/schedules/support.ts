import type { Client } from '@temporalio/client';
import type { SyntheticCheckWorkflow } from '../../src/app/incident-workflow.ts';
import type { SyntheticCheckResult } from '../../src/contract/index.ts';

export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)?.slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Triggers one run of the schedule now (no waiting on its interval) and returns the check's result. */
export async function triggerRun(
  client: Client,
  scheduleId: string,
): Promise<{ workflowId: string; runId: string; result: SyntheticCheckResult }> {
  const schedule = client.schedule.getHandle(scheduleId);
  const ids = (d: Awaited<ReturnType<typeof schedule.describe>>) =>
    d.info.recentActions.map((a) => a.action.workflow.firstExecutionRunId);
  const before = new Set(ids(await schedule.describe()));
  await schedule.trigger();
  const described = await until(
    () => schedule.describe(),
    (d) => ids(d).some((id) => !before.has(id)),
    `a run of ${scheduleId}`,
  );
  const { workflowId, firstExecutionRunId: runId } = described.info.recentActions.find(
    (a) => !before.has(a.action.workflow.firstExecutionRunId),
  )!.action.workflow;
  const result = await client.workflow.getHandle<SyntheticCheckWorkflow>(workflowId, runId).result();
  return { workflowId, runId, result };
}
