import type { ActivityDeps } from '../activities/index.ts';
import { postmortemDir, type AppConfig } from '../config/index.ts';

/** Production wiring of activity dependencies from validated configuration. */
export function activityDepsFromConfig(config: AppConfig, env: NodeJS.ProcessEnv = process.env): ActivityDeps {
  const clock = () => new Date();
  return {
    probes: { secrets: { env } },
    kube: { mode: config.RUNBOOK_REMEDIATION_TARGET, clock },
    notifications: {
      slackWebhookUrls: config.RUNBOOK_SLACK_WEBHOOK_URL ?? [],
      webhookUrls: config.RUNBOOK_WEBHOOK_URL ?? [],
      file: config.RUNBOOK_NOTIFY_FILE,
    },
    postmortem: { postmortemDir: postmortemDir(config) },
  };
}
