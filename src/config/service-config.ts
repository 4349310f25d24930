import { closest, describeSecretRef, type SecretRef, type ServiceTarget } from '../contract/index.ts';
import { ConfigError, type AppConfig } from './index.ts';
import { defaultRunbookId, runbookIds, type RunbookDefinition } from '../runbooks/index.ts';

/** `RUNBOOK_<RUNBOOK>_API_KEY_REF`: the variable naming one runbook's own key reference. */
export const keyRefVariable = (runbookId: string) => `RUNBOOK_${runbookKeyPart(runbookId)}_API_KEY_REF`;
const runbookKeyPart = (runbookId: string) => runbookId.toUpperCase().replace(/[^A-Z0-9]/g, '_');

/** Every RUNBOOK_<RUNBOOK>_API_KEY_REF must name a runbook: a misspelt one would leave its service on the default key. */
function requireKnownKeyRefVariables(config: AppConfig): void {
  const known = runbookIds().map(keyRefVariable);
  const unknown = Object.keys(config.RUNBOOK_KEY_REFS)
    .map((part) => `RUNBOOK_${part}_API_KEY_REF`)
    .filter((v) => !known.includes(v));
  if (unknown.length === 0) return;
  const problems = unknown.map(
    (v) =>
      `${v}: no runbook has this variable — ${closest(v, known) ? `did you mean ${closest(v, known)}?` : `known: ${known.join(', ')}`}`,
  );
  throw new ConfigError(
    `invalid configuration — ${problems.join('; ')}. Fix or unset the variable (see docs/configuration.md).`,
  );
}

/**
 * The key reference of a runbook's service built from variables: its own RUNBOOK_<RUNBOOK>_API_KEY_REF,
 * else — for the default runbook only — RUNBOOK_API_KEY_REF, else the runbook's default
 * (e.g. env:<PROVIDER>_API_KEY). A shared variable never hands one provider's key to another's host.
 */
export function keyRefFromConfig(config: AppConfig, runbook: RunbookDefinition): SecretRef {
  requireKnownKeyRefVariables(config);
  const own = config.RUNBOOK_KEY_REFS[runbookKeyPart(runbook.id)];
  if (runbook.id !== defaultRunbookId()) return own ?? runbook.defaultService.apiKeyRef;
  const shared = config.RUNBOOK_API_KEY_REF;
  if (own && shared && describeSecretRef(own) !== describeSecretRef(shared)) {
    throw new ConfigError(
      `${keyRefVariable(runbook.id)} and RUNBOOK_API_KEY_REF name different keys for runbook ${runbook.id}: set one of them`,
    );
  }
  return own ?? shared ?? runbook.defaultService.apiKeyRef;
}

/**
 * The service under care, built from variables: the runbook's defaults, and for the default runbook
 * the RUNBOOK_SERVICE_* / RUNBOOK_K8S_* variables (they describe one service: applied to every
 * runbook they would send each provider's requests, and key, to the one configured host).
 */
export function serviceFromConfig(config: AppConfig, runbook: RunbookDefinition): ServiceTarget {
  const d = runbook.defaultService;
  const apiKeyRef = keyRefFromConfig(config, runbook);
  if (runbook.id !== defaultRunbookId())
    return { ...d, apiKeyRef, settings: { ...d.settings, ...runbook.settings.fromConfig(config) } };
  return {
    ...d,
    baseUrl: config.RUNBOOK_SERVICE_BASE_URL ?? d.baseUrl,
    statusPageUrl: config.RUNBOOK_STATUS_PAGE_URL ?? d.statusPageUrl,
    apiHost: config.RUNBOOK_API_HOST ?? (config.RUNBOOK_SERVICE_BASE_URL ? undefined : d.apiHost),
    apiKeyRef,
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
