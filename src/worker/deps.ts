import { join } from 'node:path';
import type { ActivityDeps } from '../activities/index.ts';
import { createKubernetesTarget, RecordOnlyTarget, type RemediationTarget } from '../activities/kubernetes/index.ts';
import type { ServiceCatalog } from '../activities/catalog.ts';
import { catalogFromConfig } from '../app/service-catalog.ts';
import { postmortemDir, type AppConfig } from '../config/index.ts';

export function remediationTargetFromConfig(config: AppConfig): RemediationTarget {
  if (config.RUNBOOK_REMEDIATION_TARGET === 'kubernetes') return createKubernetesTarget({ context: config.RUNBOOK_KUBE_CONTEXT });
  return new RecordOnlyTarget({ stateFile: join(config.RUNBOOK_DATA_DIR, 'record-only-cluster.json') });
}

/** Production wiring of activity dependencies from validated configuration. */
export function activityDepsFromConfig(
  config: AppConfig,
  env: NodeJS.ProcessEnv = process.env,
  target: RemediationTarget = remediationTargetFromConfig(config),
  catalog: ServiceCatalog = catalogFromConfig(config),
): ActivityDeps {
  const clock = () => new Date();
  return {
    probes: { secrets: { env } },
    kube: { target, clock, env },
    notifications: {
      slackWebhookUrls: config.RUNBOOK_SLACK_WEBHOOK_URL ?? [],
      webhookUrls: config.RUNBOOK_WEBHOOK_URL ?? [],
      file: config.RUNBOOK_NOTIFY_FILE,
    },
    postmortem: { postmortemDir: postmortemDir(config) },
    catalog,
  };
}
