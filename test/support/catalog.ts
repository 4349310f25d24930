import {
  ApprovalPolicySchema,
  type CatalogEntryInput,
  type IncidentInputDraft,
  type IncidentStart,
  type ServiceTarget,
} from '../../src/contract/index.ts';

/**
 * The Ideogram service as tests run it: the simulator's URLs, a key from `apiKeyEnv`, the payments
 * deployment, and the runbook's settings naming the secret and batch jobs the test cluster seeds.
 */
export function simulatorService(
  sim: { baseUrl: string; statusPageUrl: string },
  apiKeyEnv: string,
  kubernetes: Partial<ServiceTarget['kubernetes']> = {},
  settings: Record<string, unknown> = {},
): ServiceTarget {
  return {
    name: 'ideogram-service',
    baseUrl: sim.baseUrl,
    statusPageUrl: sim.statusPageUrl,
    apiHost: 'localhost',
    apiKeyRef: { kind: 'env', name: apiKeyEnv },
    kubernetes: { namespace: 'payments', deployment: 'ideogram-service', ...kubernetes },
    settings: {
      secretName: 'ideogram-secrets',
      secretKey: 'api-key',
      batchSelector: 'runbook.dev/batch=ideogram',
      ...settings,
    },
  };
}

/**
 * Tests describe the service inline; a worker only knows its catalog. This splits a draft into
 * the start request (by name) and the catalog a worker process gets in WORKER_CATALOG.
 */
export function catalogFor(draft: Omit<IncidentInputDraft, 'runbook'> & { runbook?: string; service: ServiceTarget }): {
  start: IncidentStart;
  entry: CatalogEntryInput;
  catalogJson: string;
} {
  const { service, policy, billedProbeBudget, billedProbesPerHour, ...request } = draft;
  const { name, ...target } = service;
  const entry: CatalogEntryInput = {
    name,
    runbook: draft.runbook ?? 'ideogram',
    target,
    policy: ApprovalPolicySchema.parse(policy ?? {}),
    billedProbeBudget,
    billedProbesPerHour,
    allowedSecretRefs: ['env:NEW_*'],
  };
  return { start: { ...request, service: name }, entry, catalogJson: JSON.stringify([entry]) };
}
