import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ServiceCatalog } from '../activities/catalog.ts';
import {
  describeSecretRef,
  describeUnknownKey,
  jsonPath,
  ServiceCatalogSchema,
  unknownKeys,
  type CatalogEntry,
  type UnknownKey,
} from '../contract/index.ts';
import { ConfigError, type AppConfig } from './index.ts';
import { defaultRunbookId, getRunbook, isBuiltinRunbook, runbookIds } from '../runbooks/index.ts';
import { keyRefVariable, serviceFromConfig } from './service-config.ts';
import { requireNoVariablesWithoutEffect, withAutoApprovalSwitch, withGlobalSwitches } from './file-and-variables.ts';

/** Without a catalog file: one service per runbook, from the RUNBOOK_* variables (the quick start). */
export function entriesFromEnv(config: AppConfig): CatalogEntry[] {
  // A document from RUNBOOK_RUNBOOKS_DIR gets no service from variables: only a catalog file says where its provider is.
  const entries = runbookIds()
    .filter(isBuiltinRunbook)
    .map(getRunbook)
    .map((runbook): CatalogEntry => {
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
        allowedSecretRefs:
          config.RUNBOOK_ALLOWED_SECRET_REFS ??
          (keyRef.startsWith('env:') ? [`${keyRef}_*`, 'env:NEW_*'] : [`${keyRef.split('#')[0]}*`]),
      };
    });
  requireOwnKeys(entries);
  return entries;
}

/** Two services on one key reference would send one provider's key to the other's host: refused at start. */
function requireOwnKeys(entries: CatalogEntry[]): void {
  const byRef = new Map<string, CatalogEntry>();
  for (const entry of entries) {
    const ref = describeSecretRef(entry.target.apiKeyRef);
    const other = byRef.get(ref);
    if (other) {
      throw new ConfigError(
        `services ${other.name} and ${entry.name} would both send the key at ${ref}, each to its own provider — ` +
          `give each runbook its own with ${keyRefVariable(other.runbook!)} / ${keyRefVariable(entry.runbook!)} (see docs/configuration.md)`,
      );
    }
    byRef.set(ref, entry);
  }
}

function readCatalogFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `RUNBOOK_SERVICES_FILE ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    );
  }
  try {
    return path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(
      `RUNBOOK_SERVICES_FILE ${path}: not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`,
    );
  }
}

/**
 * An unknown key, or a setting of the entry's runbook written outside `target.settings` (say
 * `target.kubernetes.secretName`): that one is named with the place it belongs.
 */
function describeCatalogKey(key: UnknownKey, raw: unknown): string {
  const [index, ...inEntry] = key.path;
  const entry: unknown = Array.isArray(raw) && typeof index === 'number' ? raw[index] : undefined;
  const name = String(key.path.at(-1));
  const value = inEntry.reduce<unknown>(
    (at, part) => (at as Record<string | number, unknown> | undefined)?.[part],
    entry,
  );
  const id = (entry as { runbook?: unknown } | undefined)?.runbook ?? defaultRunbookId();
  if (
    typeof id !== 'string' ||
    !runbookIds().includes(id) ||
    getRunbook(id).settings.validate({ [name]: value }).length > 0
  )
    return describeUnknownKey(key);
  return `${jsonPath(key.path)}: a setting of runbook ${id} — write it as target.settings.${name}`;
}

/** The worker's catalog: the file when configured (validated, errors name the path), else from the environment. */
export function catalogFromConfig(config: AppConfig): ServiceCatalog {
  if (!config.RUNBOOK_SERVICES_FILE) return new ServiceCatalog(entriesFromEnv(config));
  const raw = readCatalogFile(config.RUNBOOK_SERVICES_FILE);
  // A misspelt key would otherwise be dropped: `aprovers` silently meaning "anyone may approve".
  const unknown = unknownKeys(ServiceCatalogSchema, raw);
  if (unknown.length > 0) {
    throw new ConfigError(
      `RUNBOOK_SERVICES_FILE ${config.RUNBOOK_SERVICES_FILE}: ${unknown.map((k) => describeCatalogKey(k, raw)).join('; ')} — fix or remove the key`,
    );
  }
  const parsed = ServiceCatalogSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${jsonPath(i.path)}: ${i.message}`);
    throw new ConfigError(
      `RUNBOOK_SERVICES_FILE ${config.RUNBOOK_SERVICES_FILE}: ${problems.join('; ')} — each entry: {name, runbook, target: {baseUrl, statusPageUrl, apiKeyRef, kubernetes: {namespace, deployment}, settings: {...}}, policy, allowedSecretRefs}`,
    );
  }
  parsed.data.forEach((entry, i) => {
    const id = entry.runbook ?? defaultRunbookId();
    let runbook;
    try {
      runbook = getRunbook(id);
    } catch {
      throw new ConfigError(
        `RUNBOOK_SERVICES_FILE: service ${entry.name} names runbook "${id}", which does not exist (${runbookIds().join(', ')})`,
      );
    }
    // The runbook's own settings schema decides what `target.settings` may say.
    const problems = runbook.settings.validate(entry.target.settings);
    if (problems.length > 0) {
      const where = (p: PropertyKey[]) => jsonPath([i, 'target', 'settings', ...p]);
      throw new ConfigError(
        `RUNBOOK_SERVICES_FILE ${config.RUNBOOK_SERVICES_FILE}: ${problems.map((p) => `${where(p.path)}: ${p.message}`).join('; ')} (settings of runbook ${id})`,
      );
    }
  });
  // The file's own mistakes first: they are what its author is fixing.
  requireNoVariablesWithoutEffect(config, config.RUNBOOK_SERVICES_FILE);
  return new ServiceCatalog(
    parsed.data.map((entry) =>
      withAutoApprovalSwitch({ ...entry, policy: withGlobalSwitches(entry.policy, config, entry.name) }, config),
    ),
  );
}
