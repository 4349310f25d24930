import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import type { ServiceCatalog } from '../activities/catalog.ts';
import {
  describeSecretRef,
  parseSecretRef,
  provideSecretRefSignal,
  secretRefAllowed,
  type SecretRef,
} from '../contract/index.ts';
import { requireActionAllowed } from './actions.ts';
import { RequestRefusedError } from './errors.ts';
import { incidentHandle, signalIncident } from './incidents.ts';

/** The service an incident was opened for, as its memo names it; null until the worker wrote it. */
export function serviceOf(description: Pick<WorkflowExecutionDescription, 'memo'>): string | null {
  const service = ((description.memo ?? {}) as { summary?: { service?: unknown } }).summary?.service;
  return typeof service === 'string' ? service : null;
}

export async function incidentService(client: Client, id: string): Promise<string | null> {
  return serviceOf((await incidentHandle(client, id)).description);
}

/** The references the catalog allows for a service (patterns such as env:NEW_*): what a person may hand over. */
export function allowedSecretRefs(catalog: ServiceCatalog, service: string | null): string[] {
  return service && catalog.names().includes(service) ? catalog.require(service).allowedSecretRefs : [];
}

/**
 * Hands the incident a reference to a new secret (where it lives, never its value): the same
 * signal and check as `runbook provide-secret`. With `allowed`, a reference outside it is refused
 * before anything is sent (the worker checks again against its own catalog).
 */
export async function provideSecretRef(
  client: Client,
  id: string,
  input: { by: string; stepId?: string; ref: string; allowed?: string[] },
): Promise<{ taskQueue: string; workerPolling: boolean; described: string }> {
  let ref: SecretRef;
  try {
    ref = parseSecretRef(input.ref);
  } catch (err) {
    throw new RequestRefusedError(`reference ${(err as Error).message}`);
  }
  if (input.allowed && !secretRefAllowed(ref, input.allowed)) {
    throw new RequestRefusedError(
      `secret reference ${describeSecretRef(ref).slice(0, 200)} is not one this service allows (allowed: ${input.allowed.join(', ') || 'none'}): choose one of them, or set allowedSecretRefs in the service catalog`,
    );
  }
  await requireActionAllowed(client, id, 'provide_secret', input.stepId);
  const sent = await signalIncident(client, id, provideSecretRefSignal, {
    by: input.by,
    ...(input.stepId ? { stepId: input.stepId } : {}),
    ref,
  });
  return { ...sent, described: describeSecretRef(ref) };
}
