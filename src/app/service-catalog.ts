import type { ServiceCatalog } from '../activities/catalog.ts';
import { RequestRefusedError } from './errors.ts';

/** The service an incident is opened for: named, or the runbook's only one; unknown names exit 2. */
export function chooseService(catalog: ServiceCatalog, runbookId: string, name: string | undefined): string {
  const known = catalog.names();
  if (name) {
    if (!known.includes(name)) throw new RequestRefusedError(`unknown service "${name}" — this catalog has: ${known.join(', ')} (RUNBOOK_SERVICES_FILE)`);
    return name;
  }
  const forRunbook = known.filter((n) => catalog.require(n).runbook === runbookId);
  if (forRunbook.length === 1) return forRunbook[0]!;
  throw new RequestRefusedError(`name the service with --service: runbook ${runbookId} has ${forRunbook.length ? forRunbook.join(', ') : 'no service in the catalog'}`);
}
