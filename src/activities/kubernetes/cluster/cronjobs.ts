import type { CronJobView, PreviousCronJobs, RemediationTarget } from '../target.ts';
import { strategicMergePatch, type KubeApi } from './api.ts';
import type { Call } from './errors.ts';

type CronJobOperations = Pick<RemediationTarget, 'updateCronJob' | 'listCronJobs'>;

/** CronJobs: listed by label selector; each job's suspend flag and owner record change in one guarded write. */
export function cronJobOperations(api: KubeApi): CronJobOperations {
  const { batch, fieldManager, dry } = api;
  return {
    async updateCronJob(namespace, name, decide, dryRun) {
      const c: Call = { verb: 'patch', resource: 'cronjobs', name, namespace };
      // The Role grants list, not get, on CronJobs (their names are only known at run time): read
      // one by field selector.
      const read = async () =>
        (
          await api.call({ verb: 'list', resource: 'cronjobs', namespace }, () =>
            batch.listNamespacedCronJob({ namespace, fieldSelector: `metadata.name=${name}` }),
          )
        ).items[0];
      return api.guarded(c, read, async (job) => {
        const view: CronJobView | undefined = job
          ? { name, suspended: job.spec?.suspend === true, annotations: { ...(job.metadata?.annotations ?? {}) } }
          : undefined;
        const edit = decide(view);
        if (!job || (edit.suspended === undefined && Object.keys(edit.annotations).length === 0)) return edit.result;
        const body = {
          metadata: { resourceVersion: job.metadata?.resourceVersion, annotations: edit.annotations },
          ...(edit.suspended === undefined ? {} : { spec: { suspend: edit.suspended } }),
        };
        await batch.patchNamespacedCronJob(
          { namespace, name, body, fieldManager, ...dry(dryRun) },
          strategicMergePatch(),
        );
        return edit.result;
      });
    },

    async listCronJobs(namespace, selector) {
      const list = await api.call({ verb: 'list', resource: 'cronjobs', namespace }, () =>
        batch.listNamespacedCronJob({ namespace, labelSelector: selector }),
      );
      const jobs: PreviousCronJobs = list.items.map((job) => ({
        name: job.metadata?.name ?? '',
        suspended: job.spec?.suspend === true,
      }));
      return jobs.sort((a, b) => a.name.localeCompare(b.name));
    },
  };
}
