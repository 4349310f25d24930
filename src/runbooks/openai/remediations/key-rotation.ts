// src/runbooks/openai/remediations: the OpenAI runbook's plans (key rotation, quota, env knobs).
import { ApplicationFailure } from '@temporalio/workflow';
import { describeSecretRef } from '../../../contract/index.ts';
import type { RemediationContext, RemediationOutcome } from '../../types.ts';
import { deploymentOf, restartKubectl } from '../knobs.ts';
import { openAiSettings } from '../settings.ts';

/** 401/403: a human hands over a reference to a new key; it goes into the service's Secret, restart, verify. */
export async function rotateKey(ctx: RemediationContext): Promise<RemediationOutcome> {
  const { secretName, secretKey } = openAiSettings(ctx.input);
  const deployment = deploymentOf(ctx);
  const current = await ctx.inspectSecret(ctx.input.service.apiKeyRef);
  ctx.note(
    `Current key present: ${current.present ? 'yes' : 'no'}, length ${current.length} (${describeSecretRef(ctx.input.service.apiKeyRef)})`,
  );
  const ref = await ctx.awaitSecretRef(
    'new-key-reference',
    'Create a new API key (platform settings → API keys), store it in your secret manager, and send its reference',
  );
  if (!ref)
    return { resolution: 'closed', summary: 'No new key was provided: nothing changed; handed back to a human.' };
  const rotate = await ctx.approval({
    stepId: 'apply-new-key',
    description: `Put the key from ${describeSecretRef(ref)} into secret/${secretName} (${secretKey}), then restart deployment/${deployment.deployment}`,
    kubectl: `kubectl create secret generic ${secretName} --from-literal=${secretKey}="$NEW_KEY" --dry-run=client -o yaml | kubectl apply -n ${deployment.namespace} -f - && ${restartKubectl(deployment)}`,
  });
  if (!rotate) return { resolution: 'closed', summary: 'The key rotation was declined: nothing changed.' };
  await ctx.apply('apply-new-key', {
    kind: 'apply-secret',
    namespace: deployment.namespace,
    secretName,
    key: secretKey,
    ref,
  });
  await ctx.apply('restart-after-key', { kind: 'rollout-restart', ...deployment });
  await ctx.waitForRollout();
  // The new key is the fix: reverting would put the revoked key back.
  ctx.keep('apply-new-key', 'the rotated key is the fix; the previous value stays in the backup secret');
  ctx.setState('mitigated', 'new key in place');
  if (!(await ctx.verify()))
    throw ApplicationFailure.nonRetryable('API calls still fail with the new key', 'VerificationFailed');
  return {
    resolution: 'resolved',
    summary: `Key rotated to ${describeSecretRef(ref)}; the service restarted and real calls succeed.`,
  };
}
