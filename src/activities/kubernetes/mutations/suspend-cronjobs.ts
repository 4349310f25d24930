import { namespaceFlag as nsFlag } from '../../../contract/index.ts';
import { planResume, planSuspend } from '../cronjob-knob.ts';
import type { PreviousCronJobs } from '../target.ts';
import type { KnobDrift, MutationHandler } from './handler.ts';

/** The CronJobs a label selector matches, suspended; each job's flag has its own owner record on the job. */
export const suspendCronJobsHandler: MutationHandler<'suspend-cronjobs', PreviousCronJobs> = {
  async apply(op, step, { target }) {
    // `suspended` is each flag before any incident.
    const claimed: Array<{ name: string; suspended: boolean; changed: boolean; drift?: KnobDrift }> = [];
    for (const job of await target.listCronJobs(op.namespace, op.selector)) {
      const outcome = await target.updateCronJob(
        op.namespace,
        job.name,
        (view) => planSuspend(op.namespace, view, step.mutationId, step.onDrift),
        step.dryRun,
      );
      if (outcome) claimed.push(outcome);
    }
    const previous: PreviousCronJobs = claimed.map(({ name, suspended }) => ({ name, suspended }));
    const names = previous.map((j) => j.name);
    return {
      previous,
      changed: claimed.some((j) => j.changed),
      drift: claimed.flatMap((j) => (j.drift ? [j.drift] : [])),
      change: `suspend ${names.length} CronJob(s) matching ${op.selector}${names.length ? `: ${names.join(', ')}` : ''}`,
      target: `cronjobs -l ${op.selector} ${nsFlag(op.namespace)}`,
    };
  },

  async revert(op, record, step, { target }) {
    const previous = record.previous as PreviousCronJobs;
    const released = [];
    for (const job of previous)
      released.push(
        await target.updateCronJob(
          op.namespace,
          job.name,
          (view) => planResume(op.namespace, job.name, view, record.id, step.onDrift),
          step.dryRun,
        ),
      );
    // As for env: a dry run held nothing, and the restore is still validated by the server.
    if (!released.some((j) => j.held) && step.dryRun) {
      for (const job of previous)
        await target.updateCronJob(
          op.namespace,
          job.name,
          () => ({ suspended: job.suspended, annotations: {}, result: undefined }),
          true,
        );
    }
    return released.flatMap((j) => (j.drift ? [j.drift] : []));
  },

  revertKubectl: (op, previous) =>
    previous
      .filter((j) => !j.suspended)
      .map((j) => `kubectl patch cronjob/${j.name} ${nsFlag(op.namespace)} -p '{"spec":{"suspend":false}}'`)
      .join(' && ') || undefined,
};
