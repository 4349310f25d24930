import type { V1Secret } from '@kubernetes/client-node';
import type { SecretBackup } from '../target.ts';
import { mergePatch, MAX_CONFLICT_ROUNDS, type KubeApi } from './api.ts';
import { classifyKubeError, isConflict, isNotFound, type Call } from './errors.ts';

/** Backup Secrets carry this label, naming the secret whose prior values they keep. */
export const BACKUP_LABEL = 'runbook.dev/backup-of';

/** One secret being written: where, and whether the server only validates the writes. */
export interface SecretWrite {
  api: KubeApi;
  namespace: string;
  name: string;
  dryRun: boolean;
}

/** Puts one value (still encoded as read) into the backup Secret, creating it when missing. */
export async function writeBackup(
  { api, namespace, name: of, dryRun }: SecretWrite,
  backup: SecretBackup,
  encoded: string,
) {
  const { core, fieldManager } = api;
  for (let round = 1; ; round += 1) {
    try {
      await core.patchNamespacedSecret(
        { namespace, name: backup.secret, body: { data: { [backup.key]: encoded } }, fieldManager, ...api.dry(dryRun) },
        mergePatch(),
      );
      return;
    } catch (err) {
      if (!isNotFound(err))
        throw classifyKubeError(err, { verb: 'patch', resource: 'secrets', name: backup.secret, namespace });
    }
    try {
      await core.createNamespacedSecret({
        namespace,
        body: {
          metadata: { name: backup.secret, labels: { [BACKUP_LABEL]: of } },
          type: 'Opaque',
          data: { [backup.key]: encoded },
        },
        fieldManager,
        ...api.dry(dryRun),
      });
      return;
    } catch (err) {
      // Created by another writer since: patch it instead.
      if (!isConflict(err) || round >= MAX_CONFLICT_ROUNDS)
        throw classifyKubeError(err, { verb: 'create', resource: 'secrets', name: backup.secret, namespace });
    }
  }
}

/** Removes backup keys; deletes the backup Secret once it holds nothing, unless written meanwhile. */
export async function dropBackupKeys(
  api: KubeApi,
  namespace: string,
  backups: SecretBackup[],
  getSecret: (name: string) => Promise<V1Secret | undefined>,
): Promise<void> {
  for (const secretName of new Set(backups.map((b) => b.secret))) {
    let backup = await getSecret(secretName);
    if (!backup) continue;
    const present = backups
      .filter((b) => b.secret === secretName && backup!.data?.[b.key] !== undefined)
      .map((b) => b.key);
    const c: Call = { verb: 'patch', resource: 'secrets', name: secretName, namespace };
    try {
      if (present.length > 0) {
        backup = await api.core.patchNamespacedSecret(
          {
            namespace,
            name: secretName,
            body: { data: Object.fromEntries(present.map((k) => [k, null])) },
            fieldManager: api.fieldManager,
          },
          mergePatch(),
        );
      }
      if (Object.keys(backup.data ?? {}).length > 0) continue;
      c.verb = 'delete';
      await api.core.deleteNamespacedSecret({
        namespace,
        name: secretName,
        body: { preconditions: { resourceVersion: backup.metadata?.resourceVersion } },
      });
    } catch (err) {
      // Gone already, or written by a new cycle since: either way nothing is left to drop.
      if (isNotFound(err) || isConflict(err)) continue;
      throw classifyKubeError(err, c);
    }
  }
}
