// src/server/intake: what the alert routes check before anything starts — payload schemas, label → (runbook, service), HMAC signatures — and the queue that delivers them to Temporal before the answer.
import type { ServiceCatalog } from '../../activities/catalog.ts';
import type { AlertTarget } from '../../app/alerts.ts';
import { UnknownRunbookError } from '../../app/errors.ts';
import { requireRunbook } from '../../app/service-catalog.ts';
import { defaultRunbookId } from '../../runbooks/index.ts';

/** A request the intake refuses before anything starts: the status and a reason for the sender. */
export class IntakeRefusal extends Error {
  readonly statusCode: number;
  constructor(statusCode: number, message: string) {
    super(message);
    this.statusCode = statusCode;
  }
}

/**
 * The label mapping: `runbook=<id>` and `service=<catalog name>`. Without `runbook`, the named
 * service's runbook, else the default one; without `service`, that runbook's only service.
 */
export function targetOf(catalog: ServiceCatalog, labels: Record<string, string | undefined>): AlertTarget {
  const known = catalog.names();
  const service = labels.service;
  if (service !== undefined && !known.includes(service))
    throw new IntakeRefusal(
      422,
      `unknown service label "${service}": the catalog has ${known.join(', ') || 'no service'}`,
    );
  const runbook = labels.runbook ?? (service ? catalog.require(service).runbook : defaultRunbookId());
  try {
    requireRunbook(runbook);
  } catch (err) {
    if (err instanceof UnknownRunbookError) throw new IntakeRefusal(422, `runbook label: ${err.message}`);
    throw err;
  }
  if (service) {
    const owner = catalog.require(service).runbook;
    if (owner !== runbook)
      throw new IntakeRefusal(422, `service "${service}" belongs to runbook ${owner}, not ${runbook}`);
    return { runbook, service };
  }
  const forRunbook = known.filter((n) => catalog.require(n).runbook === runbook);
  if (forRunbook.length !== 1)
    throw new IntakeRefusal(
      422,
      `add a service label: runbook ${runbook} has ${forRunbook.length ? forRunbook.join(', ') : 'no service in the catalog'}`,
    );
  return { runbook, service: forRunbook[0]! };
}
