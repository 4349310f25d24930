import { describe, expect, it } from 'vitest';
import { MutationOpSchema, type MutationOpOf } from '../../src/contract/index.ts';
import { mutationHandlers } from '../../src/activities/kubernetes/mutations/index.ts';
import type { PreviousCronJobs, PreviousEnv, SecretPrior } from '../../src/activities/kubernetes/index.ts';

const deployment = { namespace: 'payments', deployment: 'ideogram-service' };
const setEnv: MutationOpOf<'set-env'> = { kind: 'set-env', ...deployment, name: 'IDEOGRAM_FALLBACK', value: 'true' };
const rotate: MutationOpOf<'apply-secret'> = {
  kind: 'apply-secret',
  namespace: 'payments',
  secretName: 'ideogram-secrets',
  key: 'api-key',
  ref: { kind: 'env', name: 'NEW_IDEOGRAM_KEY' },
};
const suspend: MutationOpOf<'suspend-cronjobs'> = {
  kind: 'suspend-cronjobs',
  namespace: 'payments',
  selector: 'runbook.dev/batch=ideogram',
};
const backup = { secret: 'ideogram-secrets-runbook-backup', key: 'ab12cd34ef.api-key' };

describe('mutation handlers: the command that puts each kind of change back by hand', () => {
  it('has a handler for every mutation kind the contract defines', () => {
    expect(Object.keys(mutationHandlers).sort()).toEqual(
      MutationOpSchema.options.map((o) => o.shape.kind.value).sort(),
    );
  });

  it('set-env restores a literal value, removes a variable that was absent, and patches back a reference', () => {
    const previous: PreviousEnv = [
      { container: 'api', previous: { name: 'IDEOGRAM_FALLBACK', value: 'false' } },
      { container: 'worker', previous: null },
      {
        container: 'batch',
        previous: { name: 'IDEOGRAM_FALLBACK', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
      },
    ];
    const [literal, absent, reference] = mutationHandlers['set-env'].revertKubectl(setEnv, previous)!.split(' && ');
    expect(literal).toBe('kubectl set env deployment/ideogram-service IDEOGRAM_FALLBACK=false -c api -n payments');
    expect(absent).toBe('kubectl set env deployment/ideogram-service IDEOGRAM_FALLBACK- -c worker -n payments');
    expect(reference).toBe(
      `kubectl patch deployment/ideogram-service -n payments --type=strategic -p '{"spec":{"template":{"spec":{"containers":[{"name":"batch","env":[{"name":"IDEOGRAM_FALLBACK","value":null,"valueFrom":{"secretKeyRef":{"name":"s","key":"k"}}}]}]}}}}'`,
    );
  });

  it('a restart cannot be put back', () => {
    expect(
      mutationHandlers['rollout-restart'].revertKubectl(
        { kind: 'rollout-restart', ...deployment },
        { restartedAt: null },
      ),
    ).toBeUndefined();
  });

  it('apply-secret deletes a secret that did not exist, removes a key that did not, and restores a key from its backup', () => {
    const revert = (prior: Omit<SecretPrior, 'key' | 'backup'>) =>
      mutationHandlers['apply-secret'].revertKubectl(rotate, { key: 'api-key', backup, ...prior });
    expect(revert({ secretExisted: false, keyExisted: false })).toBe(
      'kubectl delete secret ideogram-secrets -n payments',
    );
    expect(revert({ secretExisted: true, keyExisted: false })).toBe(
      `kubectl patch secret ideogram-secrets -n payments --type=merge -p '{"data":{"api-key":null}}'`,
    );
    expect(revert({ secretExisted: true, keyExisted: true })).toBe(
      `kubectl patch secret ideogram-secrets -n payments --type=merge -p "{\\"data\\":{\\"api-key\\":\\"$(kubectl get secret ideogram-secrets-runbook-backup -n payments -o jsonpath='{.data.ab12cd34ef\\.api-key}')\\"}}"`,
    );
  });

  it('suspend-cronjobs resumes only the jobs that were running, and has nothing to do when all were suspended', () => {
    const previous: PreviousCronJobs = [
      { name: 'nightly', suspended: false },
      { name: 'paused-by-hand', suspended: true },
      { name: 'hourly', suspended: false },
    ];
    expect(mutationHandlers['suspend-cronjobs'].revertKubectl(suspend, previous)).toBe(
      `kubectl patch cronjob/nightly -n payments -p '{"spec":{"suspend":false}}' && kubectl patch cronjob/hourly -n payments -p '{"spec":{"suspend":false}}'`,
    );
    expect(mutationHandlers['suspend-cronjobs'].revertKubectl(suspend, [previous[1]!])).toBeUndefined();
  });
});
