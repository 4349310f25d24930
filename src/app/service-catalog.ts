import type { ServiceCatalog } from '../activities/catalog.ts';
import { defaultRunbookId, getRunbook, runbookIds, type RunbookDefinition } from '../runbooks/index.ts';
import { RequestRefusedError, UnknownRunbookError } from './errors.ts';

/** A registered runbook by id, or the one refusal every caller reports (UnknownRunbookError). */
export function requireRunbook(id: string): RunbookDefinition {
  if (!runbookIds().includes(id)) throw new UnknownRunbookError(id, runbookIds());
  return getRunbook(id);
}

/** The runbook a request means: the one it names, else the named service's, else the default runbook. */
export function runbookFor(
  catalog: ServiceCatalog,
  runbook: string | undefined,
  service: string | undefined,
): RunbookDefinition {
  const owner = service && catalog.names().includes(service) ? catalog.require(service).runbook : undefined;
  return requireRunbook(runbook ?? owner ?? defaultRunbookId());
}

/**
 * The service an incident is opened for: named, or the runbook's only one. Unknown names, and a
 * service another runbook handles (its incident would fail at once), are refused (exit 2, or 409 in the console).
 */
export function chooseService(catalog: ServiceCatalog, runbookId: string, name: string | undefined): string {
  const known = catalog.names();
  if (name) {
    if (!known.includes(name))
      throw new RequestRefusedError(
        `unknown service "${name}" — this catalog has: ${known.join(', ')} (RUNBOOK_SERVICES_FILE)`,
      );
    const handledBy = catalog.require(name).runbook;
    if (handledBy !== runbookId) {
      const ours = known.filter((n) => catalog.require(n).runbook === runbookId);
      throw new RequestRefusedError(
        `service ${name} is handled by runbook ${handledBy}, not ${runbookId}: choose runbook ${handledBy} for it${ours.length ? `, or one of runbook ${runbookId}'s services (${ours.join(', ')})` : ` (runbook ${runbookId} has no service in the catalog)`}`,
      );
    }
    return name;
  }
  const forRunbook = known.filter((n) => catalog.require(n).runbook === runbookId);
  if (forRunbook.length === 1) return forRunbook[0]!;
  throw new RequestRefusedError(
    `name the service with --service: runbook ${runbookId} has ${forRunbook.length ? forRunbook.join(', ') : 'no service in the catalog'}`,
  );
}
