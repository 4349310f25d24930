import type { ServiceTarget } from '../contract/index.ts';
import type { AppConfig } from '../config/index.ts';
import type { RunbookDefinition } from '../runbooks/index.ts';

/** The service under care: the runbook's defaults, overridden by configuration. */
export function serviceFromConfig(config: AppConfig, runbook: RunbookDefinition): ServiceTarget {
  const d = runbook.defaultService;
  return {
    ...d,
    baseUrl: config.RUNBOOK_SERVICE_BASE_URL ?? d.baseUrl,
    statusPageUrl: config.RUNBOOK_STATUS_PAGE_URL ?? d.statusPageUrl,
    apiHost: config.RUNBOOK_API_HOST ?? (config.RUNBOOK_SERVICE_BASE_URL ? undefined : d.apiHost),
    apiKeyRef: config.RUNBOOK_API_KEY_REF ?? d.apiKeyRef,
    kubernetes: {
      ...d.kubernetes,
      namespace: config.RUNBOOK_K8S_NAMESPACE ?? d.kubernetes.namespace,
      deployment: config.RUNBOOK_K8S_DEPLOYMENT ?? d.kubernetes.deployment,
      container: config.RUNBOOK_K8S_CONTAINER ?? d.kubernetes.container,
    },
    // The runbook says which variables set which of its settings (e.g. RUNBOOK_K8S_SECRET).
    settings: { ...d.settings, ...runbook.settings.fromConfig(config) },
  };
}
