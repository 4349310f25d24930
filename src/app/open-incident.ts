import type { Client } from '@temporalio/client';
import type { ServiceCatalog } from '../activities/catalog.ts';
import type { IncidentStart } from '../contract/index.ts';
import { RequestRefusedError } from './errors.ts';
import { openIncidentForSymptom, startIncident, type StartOptions } from './incidents.ts';
import { chooseService, runbookFor } from './service-catalog.ts';
import { requireWorker } from './workers.ts';

/** What a person asks for when opening an incident, from the CLI or the console. */
export interface OpenIncidentRequest {
  /** Default: the named service's runbook, else the default runbook. */
  runbook?: string;
  /** Default: the runbook's only service in the catalog. */
  service?: string;
  symptom: string;
  suspectedCause?: string;
  trigger: IncidentStart['trigger'];
  reporter: string;
}

/** An incident request checked against the runbooks and the catalog: what `openIncident` starts. */
export type PreparedIncident = IncidentStart & { runbook: string; service: string; symptom: string };

/** Refuses an unknown runbook, cause or service before anything is contacted. */
export function prepareIncident(catalog: ServiceCatalog, request: OpenIncidentRequest): PreparedIncident {
  const runbook = runbookFor(catalog, request.runbook, request.service);
  if (request.suspectedCause && !Object.hasOwn(runbook.causes, request.suspectedCause))
    throw new RequestRefusedError(
      `unknown cause "${request.suspectedCause}" for runbook ${runbook.id} — one of: ${Object.keys(runbook.causes).join(', ')}`,
    );
  return {
    runbook: runbook.id,
    service: chooseService(catalog, runbook.id, request.service),
    trigger: request.trigger,
    reporter: request.reporter,
    symptom: request.symptom,
    suspectedCause: request.suspectedCause,
  };
}

export interface OpenIncidentOptions extends StartOptions {
  /** An id the caller chose (refused when taken); default a generated one. */
  incidentId?: string;
  /** Refuse, naming it, when an incident opened today for the same symptom is still open (the console offers it). */
  refuseSameSymptom?: boolean;
}

/**
 * Opens a prepared incident: the CLI's `runbook start` and the console's form both come here.
 * Without a worker polling the queue the incident would sit unprobed, so that is refused first.
 */
export async function openIncident(
  client: Client,
  taskQueue: string,
  prepared: PreparedIncident,
  options: OpenIncidentOptions = {},
): Promise<{ incidentId: string }> {
  if (options.refuseSameSymptom) {
    const existing = await openIncidentForSymptom(client, prepared.symptom);
    if (existing)
      throw new RequestRefusedError(
        `incident ${existing} is open for the same symptom: follow it there, or tick "open another anyway"`,
        { existingIncidentId: existing },
      );
  }
  await requireWorker(client, taskQueue);
  const handle = await startIncident(client, taskQueue, prepared, options.incidentId, options);
  return { incidentId: handle.workflowId };
}
