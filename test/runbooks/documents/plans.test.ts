/** The plan interpreter on a recording context: what the steps added for converted runbooks do. */
import { describe, expect, it } from 'vitest';
import type { MutationRecord, SecretRef } from '../../../src/contract/index.ts';
import { runDocumentPlan } from '../../../src/runbooks/documents/plans.ts';
import type { RunbookDocument } from '../../../src/runbooks/documents/schema.ts';
import { validateRunbookDocument } from '../../../src/runbooks/documents/validate.ts';
import type { RemediationContext } from '../../../src/runbooks/types.ts';
import { anthropicDocument } from './support.ts';

function documentWith(plans: Record<string, unknown[]>): RunbookDocument {
  const raw = anthropicDocument();
  raw.plans = { ...raw.plans, ...plans };
  const checked = validateRunbookDocument(raw);
  if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
  return checked.document;
}

/** Records what the plan asked for; approvals and verifications answer as told. */
function recordingContext(answers: { approve?: boolean; verify?: boolean; ref?: SecretRef | null }) {
  const said: string[] = [];
  const applied = new Set<string>();
  const ctx = {
    input: { service: { name: 'svc', kubernetes: { namespace: 'ns', deployment: 'dep' }, settings: {} } },
    decision: { cause: 'auth_failure', severity: 'P1' },
    note: (m: string) => said.push(`note: ${m}`),
    setState: (state: string, why?: string) => said.push(`state: ${state} ${why ?? ''}`.trim()),
    ask: async (step: { stepId: string; description: string }) => {
      said.push(`approval ${step.stepId}: ${step.description}`);
      return (answers.approve ?? true) ? 'approved' : 'declined';
    },
    awaitSecretRef: async () => answers.ref ?? null,
    stage: async (_name: string, fn: () => Promise<unknown>) => fn(),
    apply: async (step: string) => {
      applied.add(step);
      said.push(`apply ${step}`);
      return {} as MutationRecord;
    },
    applied: (step: string) => applied.has(step),
    revert: async (step: string) => {
      applied.delete(step);
      said.push(`revert ${step}`);
    },
    ledger: () => [],
    keep: () => undefined,
    waitForRollout: async () => true,
    verify: async () => answers.verify ?? true,
  } as unknown as RemediationContext;
  return { ctx, said };
}

describe('document plans: secret references, hand-over texts, reverting only what is in place', () => {
  const ref: SecretRef = { kind: 'env', name: 'NEXT_KEY' };
  const doc = documentWith({
    rotate: [
      { askSecret: { id: 'new-key', description: 'send a reference' } },
      {
        approve: {
          id: 'apply-key',
          description: 'Put {secrets.new-key} into secret/{settings.secretName}',
          then: [{ applySecret: { id: 'apply-key', secret: 'apiKey', from: 'new-key' } }],
        },
      },
      {
        verify: {
          onFail: { handOver: 'calls still fail with {secrets.new-key} after {settings.keyPropagationMs|s}' },
        },
      },
      { resolve: 'Rotated to {secrets.new-key}.' },
    ],
    unpause: [{ revert: { step: 'pause', reverting: 'resume batch jobs' } }, { resolve: 'done' }],
  });

  it('a handed-over reference is named (never a value) in the approval and the outcome', async () => {
    const { ctx, said } = recordingContext({ ref });
    const outcome = await runDocumentPlan(doc, 'rotate', ctx);
    expect(said).toContain('approval apply-key: Put env:NEXT_KEY into secret/anthropic-secrets');
    expect(outcome).toEqual({ resolution: 'resolved', summary: 'Rotated to env:NEXT_KEY.' });
  });

  it('a failed verification hands over with its own text, a time setting read in seconds', async () => {
    const { ctx } = recordingContext({ ref, verify: false });
    await expect(runDocumentPlan(doc, 'rotate', ctx)).rejects.toMatchObject({
      message: 'calls still fail with env:NEXT_KEY after 300 s',
      type: 'VerificationFailed',
    });
  });

  it('revert sets the reverting state only when there is a change to put back', async () => {
    const nothing = recordingContext({});
    await runDocumentPlan(doc, 'unpause', nothing.ctx);
    expect(nothing.said.filter((s) => s.startsWith('state'))).toEqual([]);
    const paused = recordingContext({});
    await paused.ctx.apply('pause', { kind: 'suspend-cronjobs', namespace: 'ns', selector: 'a=b' });
    await runDocumentPlan(doc, 'unpause', paused.ctx);
    expect(paused.said).toEqual(['apply pause', 'state: reverting resume batch jobs', 'revert pause']);
  });
});
