import { ApprovalPolicySchema, type CatalogEntryInput, type IncidentInputDraft, type IncidentStart, type ServiceTarget } from '../../src/contract/index.ts';

/**
 * Tests describe the service inline; a worker only knows its catalog. This splits a draft into
 * the start request (by name) and the catalog a worker process gets in WORKER_CATALOG.
 */
export function catalogFor(draft: IncidentInputDraft & { service: ServiceTarget }): { start: IncidentStart; entry: CatalogEntryInput; catalogJson: string } {
  const { service, policy, billedProbeBudget, billedProbesPerHour, ...request } = draft;
  const { name, ...target } = service;
  const entry: CatalogEntryInput = { name, runbook: draft.runbook ?? 'ideogram', target, policy: ApprovalPolicySchema.parse(policy ?? {}), billedProbeBudget, billedProbesPerHour, allowedSecretRefs: ['env:NEW_*'] };
  return { start: { ...request, service: name }, entry, catalogJson: JSON.stringify([entry]) };
}
