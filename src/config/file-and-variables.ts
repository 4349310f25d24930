/**
 * How RUNBOOK_* variables combine with a services file. The file describes every service, so a
 * variable that describes one service would have no effect: it is refused, saying where it belongs
 * in the file. A variable that is a security switch keeps one meaning whatever the source, and with
 * a file it can only tighten what the file says, never loosen it and never be ignored.
 */
import { identityKey, type ApprovalPolicy, type CatalogEntry } from '../contract/index.ts';
import { ConfigError, type AppConfig } from './index.ts';
import { defaultRunbookId, getRunbook } from '../runbooks/index.ts';

/** Variables that describe the one service built without a file, and where each goes in the file. */
const DESCRIBE_ONE_SERVICE: Array<[keyof AppConfig, string]> = [
  ['RUNBOOK_SERVICE_BASE_URL', 'target.baseUrl'],
  ['RUNBOOK_STATUS_PAGE_URL', 'target.statusPageUrl'],
  ['RUNBOOK_API_HOST', 'target.apiHost'],
  ['RUNBOOK_API_KEY_REF', 'target.apiKeyRef'],
  ['RUNBOOK_K8S_NAMESPACE', 'target.kubernetes.namespace'],
  ['RUNBOOK_K8S_DEPLOYMENT', 'target.kubernetes.deployment'],
  ['RUNBOOK_K8S_CONTAINER', 'target.kubernetes.container'],
  ['RUNBOOK_K8S_SECRET', 'target.settings.secretName'],
  ['RUNBOOK_K8S_SECRET_KEY', 'target.settings.secretKey'],
  ['RUNBOOK_BATCH_SELECTOR', 'target.settings.batchSelector'],
  ['RUNBOOK_ALLOWED_SECRET_REFS', 'allowedSecretRefs'],
];

/** Every variable set beside a services file that would have no effect, with where it belongs instead. */
function variablesWithoutEffect(config: AppConfig): string[] {
  const problems = DESCRIBE_ONE_SERVICE.filter(([variable]) => config[variable] !== undefined).map(
    ([variable, where]) => `${variable}: set ${where} on each service in the file instead`,
  );
  for (const part of Object.keys(config.RUNBOOK_KEY_REFS)) {
    problems.push(`RUNBOOK_${part}_API_KEY_REF: set target.apiKeyRef on that runbook's services in the file instead`);
  }
  // Turning auto-approval on is a loosening only the file may do, per service; off is a global switch (below).
  if (config.RUNBOOK_AUTO_APPROVE_P1_FALLBACK === true) {
    problems.push(
      'RUNBOOK_AUTO_APPROVE_P1_FALLBACK=true: set target.settings.autoApproveP1Fallback: true on the services that should approve P1 fallback automatically (false is accepted: it turns it off for every service)',
    );
  }
  return problems;
}

/** Refuses the variables a services file makes meaningless: a variable that does nothing must not look as if it did. */
export function requireNoVariablesWithoutEffect(config: AppConfig, path: string): void {
  const problems = variablesWithoutEffect(config);
  if (problems.length === 0) return;
  throw new ConfigError(
    `RUNBOOK_SERVICES_FILE ${path} describes every service, so these variables would have no effect — ${problems.join('; ')}. Unset them (see docs/configuration.md).`,
  );
}

/**
 * A global security switch only ever tightens a service's policy: `RUNBOOK_REQUIRE_VERIFIED_APPROVALS=1`
 * or `RUNBOOK_DRY_RUN=1` means the same with a catalog file as without one. `RUNBOOK_APPROVERS`
 * restricts: an approver must be in both lists (a file policy without a list takes the variable's).
 */
export function withGlobalSwitches(policy: ApprovalPolicy, config: AppConfig, service = 'the service'): ApprovalPolicy {
  return {
    ...policy,
    ...(config.RUNBOOK_APPROVERS ? { approvers: approversInBoth(policy, config.RUNBOOK_APPROVERS, service) } : {}),
    dryRun: policy.dryRun || config.RUNBOOK_DRY_RUN === true,
    ...(policy.requireVerifiedApprovals || config.RUNBOOK_REQUIRE_VERIFIED_APPROVALS
      ? { requireVerifiedApprovals: true }
      : {}),
  };
}

function approversInBoth(policy: ApprovalPolicy, global: string[], service: string): string[] {
  if (policy.approvers.length === 0) return global;
  const allowed = new Set(global.map(identityKey));
  const both = policy.approvers.filter((a) => allowed.has(identityKey(a)));
  // An empty list means "anyone may approve": an intersection that empties it would loosen, not tighten.
  if (both.length < policy.required) {
    throw new ConfigError(
      `RUNBOOK_APPROVERS (${global.join(', ')}) and service ${service}'s policy.approvers (${policy.approvers.join(', ')}) have ` +
        `${both.length === 0 ? 'nobody' : `only ${both.join(', ')}`} in common, and it needs ${policy.required} approval${policy.required === 1 ? '' : 's'}: ` +
        'an approver must be in both lists — add the people to one of them, or unset RUNBOOK_APPROVERS (see docs/configuration.md)',
    );
  }
  return both;
}

/** `RUNBOOK_AUTO_APPROVE_P1_FALLBACK=false`: no service approves P1 fallback by itself, whatever the file says. */
export function withAutoApprovalSwitch(entry: CatalogEntry, config: AppConfig): CatalogEntry {
  if (config.RUNBOOK_AUTO_APPROVE_P1_FALLBACK !== false) return entry;
  // The runbook says which of its settings the variable sets (none, for a runbook without auto-approval).
  const { autoApproveP1Fallback } = getRunbook(entry.runbook ?? defaultRunbookId()).settings.fromConfig(config) as {
    autoApproveP1Fallback?: boolean;
  };
  if (autoApproveP1Fallback !== false) return entry;
  return {
    ...entry,
    target: { ...entry.target, settings: { ...entry.target.settings, autoApproveP1Fallback: false } },
  };
}
