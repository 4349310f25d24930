import { describeSecretRef, namespaceFlag as nsFlag } from '../../../contract/index.ts';
import { resolveSecret } from '../../secrets.ts';
import { planApplySecret, planRevertSecret } from '../secret-knob.ts';
import type { SecretBackup, SecretPrior } from '../target.ts';
import { logStillHeld, type MutationHandler } from './handler.ts';

/** One key of a Secret, written from a reference; the old value is kept in a backup Secret, never in a record. */
export const applySecretHandler: MutationHandler<'apply-secret', SecretPrior> = {
  async apply(op, step, { target, secretDeps }) {
    const value = await resolveSecret(op.ref, secretDeps);
    // The key and its owner record change in one guarded write: `previous` is the state before any
    // incident rotated it, and its backup is the ownership cycle's (kept in the backup Secret only).
    const { previous, changed, drift } = await target.updateSecret(
      op.namespace,
      op.secretName,
      (view) => planApplySecret(view, op, value, describeSecretRef(op.ref), step.mutationId, step.onDrift),
      step.dryRun,
    );
    return {
      previous,
      changed,
      drift: drift ? [drift] : [],
      change: `secret/${op.secretName} key ${op.key} from ${describeSecretRef(op.ref)}`,
      target: `secret/${op.secretName} ${nsFlag(op.namespace)}`,
    };
  },

  async revert(op, record, step, { target }) {
    const previous = record.previous as SecretPrior;
    const released = await target.updateSecret(
      op.namespace,
      op.secretName,
      (view) => planRevertSecret(view, op, record.id, previous, step.onDrift),
      step.dryRun,
    );
    if (released.stillHeld) logStillHeld(record);
    return released.drift ? [released.drift] : [];
  },

  revertKubectl: (op, previous) =>
    !previous.secretExisted
      ? `kubectl delete secret ${op.secretName} ${nsFlag(op.namespace)}`
      : previous.keyExisted
        ? restoreKeyKubectl(op.namespace, op.secretName, op.key, previous.backup)
        : `kubectl patch secret ${op.secretName} ${nsFlag(op.namespace)} --type=merge -p '{"data":{"${op.key}":null}}'`,
};

function restoreKeyKubectl(namespace: string, secretName: string, key: string, backup: SecretBackup): string {
  const jsonPathKey = backup.key.replace(/\./g, '\\.');
  const saved = `$(kubectl get secret ${backup.secret} -n ${namespace} -o jsonpath='{.data.${jsonPathKey}}')`;
  return `kubectl patch secret ${secretName} -n ${namespace} --type=merge -p "{\\"data\\":{\\"${key}\\":\\"${saved}\\"}}"`;
}
