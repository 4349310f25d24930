import { ApplicationFailure } from '@temporalio/common';
import { ApiException, type V1Secret } from '@kubernetes/client-node';
import { ErrorTypes } from '../../../contract/index.ts';
import type { RemediationTarget, SecretBackup, SecretEdit, SecretView } from '../target.ts';
import { mergePatch, type KubeApi } from './api.ts';
import { classifyKubeError, isNotFound } from './errors.ts';
import { dropBackupKeys, writeBackup, type SecretWrite } from './secret-backups.ts';

type SecretOperations = Pick<RemediationTarget, 'readSecret' | 'readSecretKey' | 'updateSecret'>;

const decode = (data: Record<string, string> | undefined) =>
  Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
const encode = (value: string) => Buffer.from(value, 'utf8').toString('base64');

/** Secrets: read decoded, written key by key with owner records, their prior values kept in a backup Secret. */
export function secretOperations(api: KubeApi): SecretOperations {
  return {
    async readSecret(namespace, name) {
      const secret = await getSecret(api, namespace, name);
      return secret ? decode(secret.data) : undefined;
    },

    async readSecretKey(namespace, name, key) {
      return (await getSecret(api, namespace, name).then((s) => (s ? decode(s.data) : undefined)))?.[key];
    },

    async updateSecret(namespace, name, decide, dryRun) {
      const w: SecretWrite = { api, namespace, name, dryRun };
      // Backup keys written in rounds lost to another writer: dropped unless the final decision kept them.
      const written = new Map<string, SecretBackup>();
      const edit = await api.guarded(
        { verb: 'patch', resource: 'secrets', name, namespace },
        () => getSecret(api, namespace, name),
        (secret) => decideAndWrite(w, secret, decide, written),
      );
      if (!dryRun) {
        const drop = [...edit.dropBackup, ...[...written.values()].filter((b) => b.key !== edit.backup?.to.key)];
        if (drop.length > 0)
          await dropBackupKeys(api, namespace, drop, (secretName) => getSecret(api, namespace, secretName));
      }
      return edit.result;
    },
  };
}

/** The secret, or undefined when it does not exist. */
async function getSecret(api: KubeApi, namespace: string, name: string): Promise<V1Secret | undefined> {
  try {
    return await api.core.readNamespacedSecret({ namespace, name });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw classifyKubeError(err, { verb: 'get', resource: 'secrets', name, namespace });
  }
}

/** One round of the guarded write: decide on the secret as read, back up, then delete, create or patch it. */
async function decideAndWrite<T>(
  w: SecretWrite,
  secret: V1Secret | undefined,
  decide: (view: SecretView | undefined) => SecretEdit<T>,
  written: Map<string, SecretBackup>,
): Promise<SecretEdit<T>> {
  const raw = secret?.data ?? {};
  const view: SecretView | undefined = secret
    ? { data: decode(raw), annotations: { ...(secret.metadata?.annotations ?? {}) } }
    : undefined;
  const decided = decide(view);
  if (decided.backup && raw[decided.backup.key] !== undefined) {
    await writeBackup(w, decided.backup.to, raw[decided.backup.key]!);
    written.set(decided.backup.to.key, decided.backup.to);
  }
  const data: Record<string, string | null> = Object.fromEntries(
    Object.entries(decided.data).map(([k, v]) => [k, v === null ? null : encode(v)]),
  );
  if (decided.restore) data[decided.restore.key] = await savedValue(w, decided.restore);
  if (decided.deleteSecret) {
    if (secret) await deleteUnlessWritten(w, secret);
    return decided;
  }
  if (Object.keys(data).length === 0 && Object.keys(decided.annotations).length === 0) return decided;
  if (secret) await patchSecret(w, secret, data, decided.annotations);
  else await createSecret(w, data, decided.annotations);
  return decided;
}

/** The value (still encoded) kept in the backup Secret for `restore.key`; a missing backup is a human's job. */
async function savedValue(w: SecretWrite, restore: { key: string; from: SecretBackup }): Promise<string> {
  const saved = (await getSecret(w.api, w.namespace, restore.from.secret))?.data?.[restore.from.key];
  if (saved === undefined) {
    throw ApplicationFailure.nonRetryable(
      `the backup of key "${restore.key}" of secret ${w.name} -n ${w.namespace} (key "${restore.from.key}" of secret ${restore.from.secret}) is missing: restore the key by hand`,
      ErrorTypes.SecretBackupMissing,
    );
  }
  return saved;
}

/** Deleted only if nobody wrote since the read (someone may just have joined). */
async function deleteUnlessWritten({ api, namespace, name, dryRun }: SecretWrite, secret: V1Secret): Promise<void> {
  try {
    await api.core.deleteNamespacedSecret({
      namespace,
      name,
      body: { preconditions: { resourceVersion: secret.metadata?.resourceVersion } },
      ...api.dry(dryRun),
    });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/**
 * A secret created meanwhile by another writer is a 409 AlreadyExists: the guarded write re-reads
 * and decides again.
 */
async function createSecret(
  { api, namespace, name, dryRun }: SecretWrite,
  data: Record<string, string | null>,
  annotations: Record<string, string | null>,
): Promise<void> {
  await api.core.createNamespacedSecret({
    namespace,
    body: { metadata: { name, annotations: withoutNulls(annotations) }, type: 'Opaque', data: withoutNulls(data) },
    fieldManager: api.fieldManager,
    ...api.dry(dryRun),
  });
}

const withoutNulls = (entries: Record<string, string | null>): Record<string, string> =>
  Object.fromEntries(Object.entries(entries).filter((e): e is [string, string] => e[1] !== null));

async function patchSecret(
  { api, namespace, name, dryRun }: SecretWrite,
  secret: V1Secret,
  data: Record<string, string | null>,
  annotations: Record<string, string | null>,
): Promise<void> {
  try {
    await api.core.patchNamespacedSecret(
      {
        namespace,
        name,
        body: { metadata: { resourceVersion: secret.metadata?.resourceVersion, annotations }, data },
        fieldManager: api.fieldManager,
        ...api.dry(dryRun),
      },
      mergePatch(),
    );
  } catch (err) {
    // Deleted since the read (its last holder left): decide again on the secret as it is now.
    if (isNotFound(err)) throw new ApiException(409, 'deleted since read', undefined, {});
    throw err;
  }
}
