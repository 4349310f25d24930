import type { IncidentResult } from '../../src/contract/index.ts';
import { statusQuery } from '../../src/contract/index.ts';
import type { Harness } from './incident-harness.ts';
import type { IncidentHandle } from '../../src/app/incident-workflow.ts';

const OUTAGE = [
  { name: 'outage', legacy: { status: 503 }, v3: { status: 503 }, statusPage: { indicator: 'major' as const } },
];

/**
 * N incidents for one service (one deployment) at once: each turns fallback on while the outage
 * lasts; the outage ends only once every one of them has, so each records its prior state while
 * the others' changes are in place — the case that used to record `true` as the "original".
 */
export async function concurrentOutages(h: Harness, n: number, deadlineMs = 180_000): Promise<IncidentResult[]> {
  h.sim.setScenario(OUTAGE);
  const handles = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      h.start({ billedProbesPerHour: 100_000 }, `${h.taskQueue}-concurrent-${n}-${i}`),
    ),
  );
  const results = Promise.all(handles.map((handle) => h.approveWhenAsked(handle)));
  await Promise.all(
    handles.map((handle) =>
      h.waitFor(handle, (s) => s.mutations.some((m) => m.step === 'enable-fallback'), 'fallback applied'),
    ),
  );
  h.sim.setScenario('healthy');
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        void whereStuck(handles).then(
          (report) => reject(new Error(`incidents not finished after ${deadlineMs} ms:\n${report}`)),
          reject,
        ),
      deadlineMs,
    );
  });
  try {
    return await Promise.race([results, stuck]);
  } finally {
    clearTimeout(timer);
  }
}

/** What each unfinished incident is waiting on, so a hang names its cause instead of a bare timeout. */
async function whereStuck(handles: IncidentHandle[]): Promise<string> {
  const lines = await Promise.all(
    handles.map(async (handle) => {
      const description = await handle.describe();
      if (description.status.name !== 'RUNNING') return `${handle.workflowId}: ${description.status.name}`;
      const status = await handle.query(statusQuery).catch((err: Error) => ({ error: err.message }));
      const raw = description.raw.pendingActivities?.map(
        (a) => `${a.activityType?.name} attempt ${a.attempt}: ${a.lastFailure?.message ?? ''}`,
      );
      return `${handle.workflowId}: ${JSON.stringify({ status, pendingActivities: raw })}`;
    }),
  );
  return lines.join('\n');
}
