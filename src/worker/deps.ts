import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ActivityDeps } from '../activities/index.ts';
import { createKubernetesTarget, RecordOnlyTarget, type RemediationTarget } from '../activities/kubernetes/index.ts';
import type { ServiceCatalog } from '../activities/catalog.ts';
import { catalogFromConfig } from '../config/service-catalog.ts';
import { ConfigError, postmortemDir, slackApprovalButtons, type AppConfig } from '../config/index.ts';

export function remediationTargetFromConfig(config: AppConfig): RemediationTarget {
  if (config.RUNBOOK_REMEDIATION_TARGET === 'kubernetes')
    return createKubernetesTarget({ context: config.RUNBOOK_KUBE_CONTEXT });
  return new RecordOnlyTarget({ stateFile: join(config.RUNBOOK_DATA_DIR, 'record-only-cluster.json') });
}

/** Checked when the worker starts, so a bad directory is a configuration error, not a failed incident. */
export function requireWritableDirectory(variable: string, dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ConfigError(
      `${variable} ${dir} is not a writable directory (${e.code ?? e.message}) — point it at a directory the worker can write`,
    );
  }
}

/** Production wiring of activity dependencies from validated configuration. */
export function activityDepsFromConfig(
  config: AppConfig,
  env: NodeJS.ProcessEnv = process.env,
  target: RemediationTarget = remediationTargetFromConfig(config),
  catalog: ServiceCatalog = catalogFromConfig(config),
): ActivityDeps {
  requireWritableDirectory(
    config.RUNBOOK_POSTMORTEM_DIR ? 'RUNBOOK_POSTMORTEM_DIR' : 'RUNBOOK_DATA_DIR',
    postmortemDir(config),
  );
  const clock = () => new Date();
  return {
    probes: { secrets: { env } },
    kube: { target, clock, env },
    notifications: {
      slackWebhookUrls: config.RUNBOOK_SLACK_WEBHOOK_URL ?? [],
      slackApprovalButtons: slackApprovalButtons(config),
      webhookUrls: config.RUNBOOK_WEBHOOK_URL ?? [],
      file: config.RUNBOOK_NOTIFY_FILE,
    },
    postmortem: { postmortemDir: postmortemDir(config) },
    catalog,
  };
}
