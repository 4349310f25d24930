import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ServiceCatalog } from '../activities/catalog.ts';
import { describeSecretRef, ServiceCatalogSchema, type CatalogEntry } from '../contract/index.ts';
import type { AppConfig } from '../config/index.ts';
import { CliError, EXIT, UsageError } from '../cli/errors.ts';
import { getRunbook, runbookIds } from '../runbooks/index.ts';
import { serviceFromConfig } from './service-config.ts';

/** Without a catalog file: one service per runbook, from the RUNBOOK_* variables (the quick start). */
export function entriesFromEnv(config: AppConfig): CatalogEntry[] {
  return runbookIds().map(getRunbook).map((runbook) => {
    const { name, ...target } = serviceFromConfig(config, runbook);
    const keyRef = describeSecretRef(target.apiKeyRef);
    return {
      name,
      runbook: runbook.id,
      target,
      policy: {
        approvers: config.RUNBOOK_APPROVERS ?? [],
        required: 1,
        allowSelfApproval: false,
        timeoutMs: 30 * 60_000,
        onTimeout: 'escalate',
        autoApproveP1Fallback: config.RUNBOOK_AUTO_APPROVE_P1_FALLBACK ?? false,
        dryRun: config.RUNBOOK_DRY_RUN ?? false,
        requireVerifiedApprovals: config.RUNBOOK_REQUIRE_VERIFIED_APPROVALS ?? false,
      },
      // A rotated key lives next to the current one, or in a NEW_* variable: never an arbitrary file.
      allowedSecretRefs: config.RUNBOOK_ALLOWED_SECRET_REFS ?? (keyRef.startsWith('env:') ? [`${keyRef}_*`, 'env:NEW_*'] : [`${keyRef.split('#')[0]}*`]),
    };
  });
}

function readCatalogFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`RUNBOOK_SERVICES_FILE ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  try {
    return path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new UsageError(`RUNBOOK_SERVICES_FILE ${path}: not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** The worker's catalog: the file when configured (validated, errors name the path), else from the environment. */
export function catalogFromConfig(config: AppConfig): ServiceCatalog {
  if (!config.RUNBOOK_SERVICES_FILE) return new ServiceCatalog(entriesFromEnv(config));
  const raw = readCatalogFile(config.RUNBOOK_SERVICES_FILE);
  const parsed = ServiceCatalogSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `$${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${i.message}`);
    throw new UsageError(`RUNBOOK_SERVICES_FILE ${config.RUNBOOK_SERVICES_FILE}: ${problems.join('; ')} — each entry: {name, runbook, target: {baseUrl, statusPageUrl, apiKeyRef, kubernetes: {...}}, policy, allowedSecretRefs}`);
  }
  for (const entry of parsed.data) {
    try {
      getRunbook(entry.runbook);
    } catch {
      throw new UsageError(`RUNBOOK_SERVICES_FILE: service ${entry.name} names runbook "${entry.runbook}", which does not exist (${runbookIds().join(', ')})`);
    }
  }
  return new ServiceCatalog(parsed.data);
}

/** The service an incident is opened for: named, or the runbook's only one; unknown names exit 2. */
export function chooseService(catalog: ServiceCatalog, runbookId: string, name: string | undefined): string {
  const known = catalog.names();
  if (name) {
    if (!known.includes(name)) throw new CliError(`unknown service "${name}" — this catalog has: ${known.join(', ')} (RUNBOOK_SERVICES_FILE)`, EXIT.usage);
    return name;
  }
  const forRunbook = known.filter((n) => catalog.require(n).runbook === runbookId);
  if (forRunbook.length === 1) return forRunbook[0]!;
  throw new CliError(`name the service with --service: runbook ${runbookId} has ${forRunbook.length ? forRunbook.join(', ') : 'no service in the catalog'}`, EXIT.usage);
}
