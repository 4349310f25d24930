import { join } from 'node:path';
import { ServiceCatalog } from '../../../src/activities/catalog.ts';
import type { ActivityDeps } from '../../../src/activities/index.ts';
import type { RemediationTarget } from '../../../src/activities/kubernetes/index.ts';
import { ServiceCatalogSchema } from '../../../src/contract/index.ts';
import { loadRunbookDocuments } from '../../../src/worker/runbook-documents.ts';

/** Activity dependencies of a worker run as its own process by a test: catalog from WORKER_CATALOG, files under `dir`. */
export function processWorkerDeps(dir: string, target: RemediationTarget, catalogJson: string): ActivityDeps {
  // As the worker does at start: the built-in runbook documents, which the catalog pins incidents to.
  loadRunbookDocuments();
  return {
    // The test hands the worker its service catalog, as production configuration would.
    catalog: new ServiceCatalog(ServiceCatalogSchema.parse(JSON.parse(catalogJson))),
    probes: { secrets: { env: process.env } },
    kube: { target, clock: () => new Date(), env: process.env, rolloutPollMs: 20 },
    notifications: { slackWebhookUrls: [], webhookUrls: [], file: join(dir, 'notifications.jsonl') },
    postmortem: { postmortemDir: join(dir, 'postmortems') },
  };
}
