import { describe, expect, it } from 'vitest';
import { kubectlEquivalent, MutationOpSchema, type MutationOp } from '../../src/contract/index.ts';

const deployment = { namespace: 'payments', deployment: 'ideogram-service' };

/** One example per mutation kind, with the command an operator would type for it. */
const cases: Array<{ op: MutationOp; kubectl: string }> = [
  {
    op: { kind: 'set-env', ...deployment, name: 'IDEOGRAM_FALLBACK', value: 'true' },
    kubectl: 'kubectl set env deployment/ideogram-service IDEOGRAM_FALLBACK=true -n payments',
  },
  {
    op: { kind: 'rollout-restart', ...deployment, at: '2026-11-25T10:00:00.000Z' },
    kubectl: 'kubectl rollout restart deployment/ideogram-service -n payments',
  },
  {
    op: {
      kind: 'apply-secret',
      namespace: 'payments',
      secretName: 'ideogram-secrets',
      key: 'api-key',
      ref: { kind: 'env', name: 'NEW_IDEOGRAM_KEY' },
    },
    kubectl:
      'kubectl create secret generic ideogram-secrets --from-literal=api-key="$NEW_KEY" --dry-run=client -o yaml | kubectl apply --server-side --force-conflicts --field-manager=runbook-engine -n payments -f -',
  },
  {
    op: { kind: 'suspend-cronjobs', namespace: 'payments', selector: 'runbook.dev/batch=ideogram' },
    kubectl: `kubectl get cronjob -l runbook.dev/batch=ideogram -n payments -o name | xargs -I{} kubectl patch {} -n payments -p '{"spec":{"suspend":true}}'`,
  },
];

describe('kubectlEquivalent', () => {
  it('has an example for every mutation kind the contract defines', () => {
    expect(cases.map((c) => c.op.kind).sort()).toEqual(MutationOpSchema.options.map((o) => o.shape.kind.value).sort());
  });

  it.each(cases)('renders $op.kind as the command an operator would type', ({ op, kubectl }) => {
    expect(kubectlEquivalent(op)).toBe(kubectl);
  });

  it('names the container when the change is for one container only', () => {
    expect(
      kubectlEquivalent({ kind: 'set-env', ...deployment, container: 'api', name: 'IDEOGRAM_CONCURRENCY', value: '3' }),
    ).toBe('kubectl set env deployment/ideogram-service IDEOGRAM_CONCURRENCY=3 -c api -n payments');
  });

  it('quotes a value for the shell only when it needs it', () => {
    expect(kubectlEquivalent({ kind: 'set-env', ...deployment, name: 'GREETING', value: "it's on" })).toBe(
      `kubectl set env deployment/ideogram-service 'GREETING=it'\\''s on' -n payments`,
    );
  });

  it('never puts a secret reference into the text: the value comes from $NEW_KEY at the terminal', () => {
    const text = kubectlEquivalent({
      kind: 'apply-secret',
      namespace: 'payments',
      secretName: 's',
      key: 'k',
      ref: { kind: 'file', path: '/run/secrets/new-key' },
    });
    expect(text).not.toContain('/run/secrets/new-key');
    expect(text).toContain('"$NEW_KEY"');
  });
});
