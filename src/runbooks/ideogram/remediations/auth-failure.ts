import { ApplicationFailure } from '@temporalio/workflow';
import { ErrorTypes, describeSecretRef, kubectlEquivalent, type MutationOp } from '../../../contract/index.ts';
import type { RemediationOutcome } from '../../types.ts';
import type { RemediationContext } from '../../types.ts';
import { deploymentOf, restartKubectl } from '../knobs.ts';
import { ideogramSettings } from '../settings.ts';

/** 401: check the key (presence and length only), get a reference to a new one, apply, restart, verify. */
export async function remediateAuthFailure(ctx: RemediationContext): Promise<RemediationOutcome> {
  const service = ctx.input.service;
  const k = { ...service.kubernetes, ...ideogramSettings(ctx.input) };
  const key = await ctx.inspectSecret(service.apiKeyRef);
  ctx.note(`Key present: ${key.present ? 'YES' : 'NO'}; key length: ${key.length} (${describeSecretRef(service.apiKeyRef)})`);
  const ref = await ctx.awaitSecretRef(
    'new-key-reference',
    'Create a new key in the Ideogram dashboard, store it in your secret manager, and send its reference (never the key itself)',
  );
  if (!ref) return { resolution: 'closed', summary: 'No new key was provided: the key stays as it is; the incident is handed back to a human.' };
  const rotate: MutationOp = { kind: 'apply-secret', namespace: k.namespace, secretName: k.secretName, key: k.secretKey, ref };
  const approved = await ctx.approval({
    stepId: 'apply-new-key',
    description: `Write the key from ${describeSecretRef(ref)} into secret/${k.secretName} (key ${k.secretKey}) and restart deployment/${k.deployment}`,
    kubectl: `${kubectlEquivalent(rotate)} && ${restartKubectl(ctx)}`,
  });
  if (!approved) return { resolution: 'closed', summary: 'Applying the new key was rejected: nothing changed.' };
  await ctx.apply('apply-new-key', rotate);
  await ctx.apply('restart-after-key', { kind: 'rollout-restart', ...deploymentOf(ctx) });
  await ctx.waitForRollout();
  ctx.keep('apply-new-key', 'the rotated key is the fix; the old one is revoked (its value stays in the in-cluster backup secret)');
  ctx.setState('mitigated', 'new key applied');
  if (!(await ctx.verify())) {
    throw ApplicationFailure.nonRetryable('generation still fails with the new key', ErrorTypes.VerificationFailed);
  }
  return { resolution: 'resolved', summary: `Key rotated: the new key (${describeSecretRef(ref)}) was applied, the service restarted and generation verified.` };
}
