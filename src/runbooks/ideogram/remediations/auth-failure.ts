import { ApplicationFailure } from '@temporalio/workflow';
import {
  ErrorTypes,
  describeSecretRef,
  kubectlEquivalent,
  type MutationOp,
  type MutationRecord,
} from '../../../contract/index.ts';
import type { RemediationOutcome } from '../../types.ts';
import type { RemediationContext } from '../../types.ts';
import { deploymentOf, restartKubectl } from '../knobs.ts';
import { ideogramSettings } from '../settings.ts';

const rotationStep = (n: number) => (n === 1 ? 'apply-new-key' : `apply-new-key-${n}`);
const restartStep = (n: number) => (n === 1 ? 'restart-after-key' : `restart-after-key-${n}`);

/** The rotations this incident made, in order (a human may hand over another key after the first did not work). */
const rotations = (ctx: RemediationContext) =>
  ctx
    .ledger()
    .filter(
      (m): m is MutationRecord & { op: Extract<MutationOp, { kind: 'apply-secret' }> } => m.op.kind === 'apply-secret',
    );

/**
 * 401: check the key (presence and length only), get a reference to a new one, apply, restart,
 * verify — giving the new key time to be accepted. A key that still fails after that hands the
 * incident to a human with the new key in place: the engine never rolls back to the rejected key.
 * Written from the ledger, so it resumes after a hand-over with the newest reference handed over.
 */
export async function remediateAuthFailure(ctx: RemediationContext): Promise<RemediationOutcome> {
  const service = ctx.input.service;
  const settings = ideogramSettings(ctx.input);
  const k = { ...service.kubernetes, ...settings };
  const done = rotations(ctx);
  if (done.length === 0) {
    const key = await ctx.inspectSecret(service.apiKeyRef);
    ctx.note(
      `Key present: ${key.present ? 'YES' : 'NO'}; key length: ${key.length} (${describeSecretRef(service.apiKeyRef)})`,
    );
  }
  const ref = await ctx.awaitSecretRef(
    'new-key-reference',
    'Create a new key in the Ideogram dashboard, store it in your secret manager, and send its reference (never the key itself)',
  );
  if (!ref) {
    if (done.length > 0)
      throw ApplicationFailure.nonRetryable('no further key reference was provided', ErrorTypes.VerificationFailed);
    return {
      resolution: 'closed',
      summary: 'No new key was provided: the key stays as it is; the incident is handed back to a human.',
    };
  }
  const current = done.at(-1);
  let step = current?.step ?? rotationStep(1);
  if (!current || describeSecretRef(current.op.ref) !== describeSecretRef(ref)) {
    const n = done.length + 1;
    step = rotationStep(n);
    const rotate: MutationOp = {
      kind: 'apply-secret',
      namespace: k.namespace,
      secretName: k.secretName,
      key: k.secretKey,
      ref,
    };
    const approved = await ctx.approval({
      stepId: step,
      description: `Write the key from ${describeSecretRef(ref)} into secret/${k.secretName} (key ${k.secretKey}) and restart deployment/${k.deployment}`,
      kubectl: `${kubectlEquivalent(rotate)} && ${restartKubectl(ctx)}`,
    });
    if (!approved) {
      if (current)
        throw ApplicationFailure.nonRetryable(
          `applying ${describeSecretRef(ref)} was rejected; ${describeSecretRef(current.op.ref)} stays in place`,
          ErrorTypes.VerificationFailed,
        );
      return { resolution: 'closed', summary: 'Applying the new key was rejected: nothing changed.' };
    }
    await ctx.apply(step, rotate, { purpose: 'fix' });
    await ctx.apply(restartStep(n), { kind: 'rollout-restart', ...deploymentOf(ctx) });
    if (current)
      ctx.keep(
        current.step,
        `superseded by ${step} (${describeSecretRef(ref)}); the prior value stays in the in-cluster backup secret`,
      );
  }
  await ctx.waitForRollout();
  ctx.keep(
    step,
    'the rotated key is the fix; the old one is revoked (its value stays in the in-cluster backup secret)',
  );
  ctx.setState('mitigated', 'new key applied');
  if (!(await ctx.verify({ graceMs: settings.keyPropagationMs }))) {
    throw ApplicationFailure.nonRetryable(
      `generation still fails with the new key (${describeSecretRef(ref)}) after ${Math.round(settings.keyPropagationMs / 1000)} s for it to be accepted`,
      ErrorTypes.VerificationFailed,
    );
  }
  return {
    resolution: 'resolved',
    summary: `Key rotated: the new key (${describeSecretRef(ref)}) was applied, the service restarted and generation verified.`,
  };
}
