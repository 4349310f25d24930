import { createHash } from 'node:crypto';
import type { DriftChoice, MutationOp } from '../../contract/index.ts';
import { claim, OWNERS_ANNOTATION_PREFIX, ownersAnnotation, readOwnership, release } from './ownership.ts';
import type { SecretBackup, SecretEdit, SecretPrior, SecretView } from './target.ts';

type ApplySecret = Extract<MutationOp, { kind: 'apply-secret' }>;
/** What the holders wrote: the reference it came from, never a value (an owner record is readable metadata). */
export interface SecretApplied {
  ref: string;
  /**
   * A short keyed digest of the value written, to tell a value changed by hand from the engine's
   * own. Absent from records made before drift detection (their drift goes unnoticed).
   */
  digest?: string;
}

/** Truncated and keyed by the knob: enough to notice a change, too little to stand for the value. */
export const secretDigest = (knob: string, value: string | undefined) =>
  value === undefined ? undefined : createHash('sha256').update(`${knob}\0${value}`).digest('hex').slice(0, 12);

export interface SecretDrift {
  knob: string;
  live: string;
  expected: string;
}

/** The drift of a held key, or undefined: never a value, only digests and the engine's reference. */
function driftOf(knob: string, applied: SecretApplied, live: string | undefined): SecretDrift | undefined {
  const digest = secretDigest(knob, live);
  if (applied.digest === undefined || digest === applied.digest) return undefined;
  return {
    knob,
    live: digest === undefined ? 'unset' : `another value (sha256 ${digest}…)`,
    expected: `the value from ${applied.ref} (sha256 ${applied.digest}…)`,
  };
}

/** The knob is one key of one secret; its owner record lives on that secret. */
export const secretKnob = (op: ApplySecret) => `secret ${op.namespace}/${op.secretName}#${op.key}`;

/** One backup Secret per secret, with a key per ownership cycle, so RBAC can name it (resourceNames). */
export const backupSecretName = (secretName: string) => `${secretName}-runbook-backup`;

/** The backup key of the cycle this mutation would start as first holder: one key per ownership cycle. */
export const cycleBackup = (op: ApplySecret, mutationId: string): SecretBackup => ({
  secret: backupSecretName(op.secretName),
  key: `${createHash('sha256').update(`cycle:${mutationId}`).digest('hex').slice(0, 10)}.${op.key}`,
});

const read = (view: SecretView | undefined, op: ApplySecret) =>
  readOwnership<SecretPrior, SecretApplied>(view?.annotations, secretKnob(op));

/**
 * Writes the key and claims it. The first holder records the true prior state and has the old
 * value copied to its cycle's backup key before the write; later ones join and report that same
 * prior. A backup this mutation wrote in a lost round (someone else became first) is dropped.
 */
export function planApplySecret(
  view: SecretView | undefined,
  op: ApplySecret,
  value: string,
  ref: string,
  mutationId: string,
  onDrift: DriftChoice = 'report',
): SecretEdit<{ previous: SecretPrior; changed: boolean; drift?: SecretDrift }> {
  const knob = secretKnob(op);
  const existing = read(view, op);
  const mine = cycleBackup(op, mutationId);
  const current = view?.data[op.key];
  const prior: SecretPrior = {
    key: op.key,
    secretExisted: view !== undefined,
    keyExisted: current !== undefined,
    backup: mine,
  };
  // A key a human changed since the holders wrote it is joined (its prior stays known) but not written.
  const drift = existing && onDrift !== 'overwrite' ? driftOf(knob, existing.applied, current) : undefined;
  const { ownership } = claim<SecretPrior, SecretApplied>(
    existing,
    knob,
    prior,
    drift ? existing!.applied : { ref, digest: secretDigest(knob, value) },
    mutationId,
  );
  const first = ownership.original.backup.key === mine.key;
  if (drift) {
    return {
      data: {},
      annotations: { [ownersAnnotation(knob)]: JSON.stringify(ownership) },
      dropBackup: first ? [] : [mine],
      result: { previous: ownership.original, changed: false, drift },
    };
  }
  return {
    data: current === value ? {} : { [op.key]: value },
    annotations: { [ownersAnnotation(knob)]: JSON.stringify(ownership) },
    ...(first && !existing && current !== undefined ? { backup: { key: op.key, to: mine } } : {}),
    dropBackup: first ? [] : [mine],
    result: { previous: ownership.original, changed: current !== value },
  };
}

export interface SecretRelease {
  /** This mutation held the key (false: an earlier attempt already released it). */
  held: boolean;
  /** Others still hold it: the rotated value stays. */
  stillHeld: boolean;
  /** The last holder found a value a human set: not restored (still held, with `report`). */
  drift?: SecretDrift;
}

/**
 * Leaves the key; the last holder out puts back the cycle's prior (from its backup key), removes
 * a key that did not exist, or deletes a secret that did not exist (unless other keys of it are
 * held), and drops the backup key. A retried revert finds itself gone and only makes sure the
 * backup of its ended cycle is gone. A value a human wrote since is handled as for env knobs:
 * `report` keeps holding it, `keep` ends the cycle with the human's value, `overwrite` restores.
 */
export function planRevertSecret(
  view: SecretView | undefined,
  op: ApplySecret,
  mutationId: string,
  previous: SecretPrior,
  onDrift: DriftChoice = 'report',
): SecretEdit<SecretRelease> {
  const knob = secretKnob(op);
  const existing = read(view, op);
  const step = release(existing, mutationId);
  if (step.kind === 'not-holder') {
    const cycleOver = existing?.original.backup.key !== previous.backup.key;
    return {
      data: {},
      annotations: {},
      dropBackup: cycleOver ? [previous.backup] : [],
      result: { held: false, stillHeld: false },
    };
  }
  if (step.kind === 'still-held') {
    return {
      data: {},
      annotations: { [ownersAnnotation(knob)]: JSON.stringify(step.ownership) },
      dropBackup: [],
      result: { held: true, stillHeld: true },
    };
  }
  const { original } = step;
  const drift = onDrift === 'overwrite' ? undefined : driftOf(knob, step.applied, view!.data[op.key]);
  // With `keep` the cycle ends with the human's value: its record and its backup of the original go.
  if (drift && onDrift === 'keep')
    return {
      data: {},
      annotations: { [ownersAnnotation(knob)]: null },
      dropBackup: [original.backup],
      result: { held: true, stillHeld: false, drift },
    };
  if (drift) return { data: {}, annotations: {}, dropBackup: [], result: { held: true, stillHeld: false, drift } };
  const result = { held: true, stillHeld: false };
  const otherOwners = Object.keys(view!.annotations).some(
    (k) => k.startsWith(OWNERS_ANNOTATION_PREFIX) && k !== ownersAnnotation(knob),
  );
  if (!original.secretExisted && !otherOwners)
    return { data: {}, annotations: {}, deleteSecret: true, dropBackup: [original.backup], result };
  const annotations = { [ownersAnnotation(knob)]: null };
  if (original.keyExisted)
    return {
      data: {},
      annotations,
      restore: { key: op.key, from: original.backup },
      dropBackup: [original.backup],
      result,
    };
  return {
    data: view!.data[op.key] === undefined ? {} : { [op.key]: null },
    annotations,
    dropBackup: [original.backup],
    result,
  };
}
