import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ServiceCatalog } from '../activities/catalog.ts';
import { describeSecretRef, ServiceCatalogSchema, type CatalogEntry } from '../contract/index.ts';
import { ConfigError, type AppConfig } from '../config/index.ts';
import { defaultRunbookId, getRunbook, runbookIds } from '../runbooks/index.ts';
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
    throw new ConfigError(`RUNBOOK_SERVICES_FILE ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  try {
    return path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(`RUNBOOK_SERVICES_FILE ${path}: not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** The worker's catalog: the file when configured (validated, errors name the path), else from the environment. */
export function catalogFromConfig(config: AppConfig): ServiceCatalog {
  if (!config.RUNBOOK_SERVICES_FILE) return new ServiceCatalog(entriesFromEnv(config));
  const raw = readCatalogFile(config.RUNBOOK_SERVICES_FILE);
  const parsed = ServiceCatalogSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `$${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${i.message}`);
    throw new ConfigError(`RUNBOOK_SERVICES_FILE ${config.RUNBOOK_SERVICES_FILE}: ${problems.join('; ')} — each entry: {name, runbook, target: {baseUrl, statusPageUrl, apiKeyRef, kubernetes: {namespace, deployment}, settings: {...}}, policy, allowedSecretRefs}`);
  }
  parsed.data.forEach((entry, i) => {
    const id = entry.runbook ?? defaultRunbookId();
    let runbook;
    try {
      runbook = getRunbook(id);
    } catch {
      throw new ConfigError(`RUNBOOK_SERVICES_FILE: service ${entry.name} names runbook "${id}", which does not exist (${runbookIds().join(', ')})`);
    }
    // The runbook's own settings schema decides what `target.settings` may say.
    const problems = runbook.settings.validate(entry.target.settings);
    if (problems.length > 0) {
      const where = (p: PropertyKey[]) => `$[${i}].target.settings${p.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('')}`;
      throw new ConfigError(`RUNBOOK_SERVICES_FILE ${config.RUNBOOK_SERVICES_FILE}: ${problems.map((p) => `${where(p.path)}: ${p.message}`).join('; ')} (settings of runbook ${id})`);
    }
  });
  return new ServiceCatalog(parsed.data);
}
