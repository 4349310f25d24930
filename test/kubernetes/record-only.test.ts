import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordOnlyTarget, type PreviousSecret } from '../../src/activities/kubernetes/index.ts';
import type { MutationOp } from '../../src/contract/index.ts';
import { activityRunner } from './helpers.ts';

const deployment = { namespace: 'payments', deployment: 'ideogram-service' };
const NEW_KEY = 'sk-new-record-only-9a8b7c';
const OLD_KEY = 'sk-old-record-only-1a2b3c';
const seed = {
  ...deployment,
  containers: ['api', 'worker'],
  env: { IDEOGRAM_CONCURRENCY: '8' },
  secrets: { 'ideogram-secrets': { 'api-key': OLD_KEY } },
  cronJobs: [
    { name: 'nightly-batch', labels: { 'runbook.dev/batch': 'ideogram' } },
    { name: 'weekly-batch', labels: { 'runbook.dev/batch': 'ideogram' }, suspended: true },
  ],
};

describe('record-only target (no cluster)', () => {
  let dir: string;
  let stateFile: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'record-only-'));
    stateFile = join(dir, 'cluster.json');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const runner = (target: RecordOnlyTarget) =>
    activityRunner({ target, clock: () => new Date('2026-11-25T01:00:00Z'), env: { NEW_IDEOGRAM_KEY: NEW_KEY } });
  const apply = (r: ReturnType<typeof runner>, op: MutationOp, mutationId = `inc/${op.kind}`) =>
    r.run('applyMutation', { mutationId, step: op.kind, op, dryRun: false });

  it('records the exact change and its kubectl equivalent, says nothing was applied, and reverts against the saved model', async () => {
    const r = runner(new RecordOnlyTarget({ stateFile, seed: [seed] }));
    const fallback = await apply(r, { kind: 'set-env', ...deployment, name: 'IDEOGRAM_FALLBACK', value: 'true' });
    const restart = await apply(r, { kind: 'rollout-restart', ...deployment });
    const rotate = await apply(r, {
      kind: 'apply-secret',
      namespace: 'payments',
      secretName: 'ideogram-secrets',
      key: 'api-key',
      ref: { kind: 'env', name: 'NEW_IDEOGRAM_KEY' },
    });
    const pause = await apply(r, {
      kind: 'suspend-cronjobs',
      namespace: 'payments',
      selector: 'runbook.dev/batch=ideogram',
    });
    const records = [fallback, restart, rotate, pause];
    expect(records.map((m) => m.mode)).toEqual(['record-only', 'record-only', 'record-only', 'record-only']);
    expect(records.map((m) => m.kubectl)).toEqual([
      'kubectl set env deployment/ideogram-service IDEOGRAM_FALLBACK=true -n payments',
      'kubectl rollout restart deployment/ideogram-service -n payments',
      'kubectl create secret generic ideogram-secrets --from-literal=api-key="$NEW_KEY" --dry-run=client -o yaml | kubectl apply --server-side --force-conflicts --field-manager=runbook-engine -n payments -f -',
      `kubectl get cronjob -l runbook.dev/batch=ideogram -n payments -o name | xargs -I{} kubectl patch {} -n payments -p '{"spec":{"suspend":true}}'`,
    ]);
    expect(restart.change).toBe('restartedAt=2026-11-25T01:00:00.000Z');
    expect(pause.previous).toEqual([
      { name: 'nightly-batch', suspended: false },
      { name: 'weekly-batch', suspended: true },
    ]);
    expect(r.logger.lines.filter((l) => l.includes('mutation recorded (record-only: nothing applied)'))).toHaveLength(
      4,
    );
    expect(r.logger.lines.join('\n')).toContain(
      '"kubectl":"kubectl set env deployment/ideogram-service IDEOGRAM_FALLBACK=true -n payments"',
    );
    expect(await r.run('waitForRollout', { ...deployment, timeoutMs: 1_000 })).toEqual({
      ready: true,
      reason: 'record-only: nothing was rolled out',
    });

    // A new worker process sees the same model: the state file is the record-only "cluster".
    const reloaded = new RecordOnlyTarget({ stateFile, seed: [seed] });
    const model = reloaded.snapshot();
    expect(
      model.deployments['payments/ideogram-service']!.containers.map(
        (c) => c.env.find((e) => e.name === 'IDEOGRAM_FALLBACK')?.value,
      ),
    ).toEqual(['true', 'true']);
    expect(model.secrets['payments/ideogram-secrets']).toEqual({ 'api-key': NEW_KEY });
    expect(model.cronJobs['payments/nightly-batch']!.suspended).toBe(true);

    const r2 = runner(reloaded);
    for (const record of [pause, rotate, fallback]) await r2.run('revertMutation', { record, dryRun: false });
    const after = reloaded.snapshot();
    expect(after.deployments['payments/ideogram-service']!.containers.map((c) => c.env)).toEqual([
      [{ name: 'IDEOGRAM_CONCURRENCY', value: '8' }],
      [{ name: 'IDEOGRAM_CONCURRENCY', value: '8' }],
    ]);
    expect(after.secrets['payments/ideogram-secrets']).toEqual({ 'api-key': OLD_KEY });
    expect(after.cronJobs['payments/nightly-batch']!.suspended).toBe(false);
    expect(after.cronJobs['payments/weekly-batch']!.suspended).toBe(true);
    // Owner records leave with the last holder: nothing of the incident stays in the model.
    expect(after.annotations ?? {}).toEqual({});
    expect(Object.values(after.cronJobs).filter((j) => j.annotations !== undefined)).toEqual([]);
    expect(after.secretBackups ?? {}).toEqual({});
    expect((rotate.previous as PreviousSecret).keyExisted).toBe(true);

    const everything = JSON.stringify(records) + r.logger.lines.join('\n') + r2.logger.lines.join('\n');
    expect(everything).not.toContain(NEW_KEY);
    expect(everything).not.toContain(OLD_KEY);
    expect(await readFile(stateFile, 'utf8')).toContain('"deployments"');
  });

  it('is idempotent: the same mutation again changes nothing and keeps the pre-incident prior state', async () => {
    const r = runner(new RecordOnlyTarget({ seed: [seed] }));
    const op: MutationOp = { kind: 'set-env', ...deployment, name: 'IDEOGRAM_CONCURRENCY', value: '3' };
    const first = await apply(r, op);
    const second = await apply(r, op);
    expect([first.changed, second.changed]).toEqual([true, false]);
    expect(second.previous).toEqual(first.previous);
    expect(first.previous).toEqual([
      { container: 'api', previous: { name: 'IDEOGRAM_CONCURRENCY', value: '8' } },
      { container: 'worker', previous: { name: 'IDEOGRAM_CONCURRENCY', value: '8' } },
    ]);
  });
});
