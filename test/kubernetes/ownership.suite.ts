import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ApiException,
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
} from '@kubernetes/client-node';
import { createKubernetesTarget, type PreviousSecret } from '../../src/activities/kubernetes/index.ts';
import { OWNERS_ANNOTATION_PREFIX } from '../../src/activities/kubernetes/ownership.ts';
import type { MutationOp, MutationRecord } from '../../src/contract/index.ts';
import { IDEOGRAM } from '../support/kube-api-server/seed.ts';
import { activityRunner, type CapturingLogger } from './helpers.ts';
import type { KubeSuiteHarness } from './operations.suite.ts';
import { shuffled } from './shuffle.ts';

const NS = IDEOGRAM.namespace;
const DEP = IDEOGRAM.deployment;
const deployment = { namespace: NS, deployment: DEP };

export type OwnershipHarness = Pick<KubeSuiteHarness, 'workerKubeconfig' | 'adminKubeconfig' | 'seed' | 'stop'>;

/**
 * Several incidents changing one knob of one deployment at once, through the worker's identity:
 * every incident must record the pre-incident value, the knob must stay mitigated while any of
 * them still holds it, and the last revert must put back exactly what was there before.
 */
export function defineOwnershipSuite(name: string, harnessFactory: () => Promise<OwnershipHarness>): void {
  describe(`several incidents on one knob (${name})`, () => {
    let h: OwnershipHarness;
    let apps: AppsV1Api;
    let batch: BatchV1Api;
    let core: CoreV1Api;
    let conflicts: number;
    let loggers: CapturingLogger[];

    beforeAll(async () => {
      h = await harnessFactory();
      const kc = new KubeConfig();
      kc.loadFromFile(h.adminKubeconfig);
      apps = kc.makeApiClient(AppsV1Api);
      batch = kc.makeApiClient(BatchV1Api);
      core = kc.makeApiClient(CoreV1Api);
    });
    afterAll(async () => h?.stop());
    beforeEach(async () => {
      conflicts = 0;
      loggers = [];
      await h.seed();
    });

    // Each incident has its own worker connection, as incidents spread over workers would.
    const worker = () => {
      const runner = activityRunner({
        target: createKubernetesTarget({ kubeconfigPath: h.workerKubeconfig, onConflict: () => (conflicts += 1) }),
        clock: () => new Date(),
        env: rotatedKeys,
      });
      loggers.push(runner.logger);
      return runner;
    };
    const readDeployment = () => apps.readNamespacedDeployment({ namespace: NS, name: DEP });
    const envOf = (d: V1Deployment) =>
      Object.fromEntries(d.spec!.template!.spec!.containers.map((c) => [c.name, c.env ?? []]));
    const valuesOf = async (variable: string) =>
      Object.fromEntries(
        (await readDeployment()).spec!.template!.spec!.containers.map((c) => [
          c.name,
          c.env?.find((e) => e.name === variable)?.value ?? null,
        ]),
      );
    const owners = (annotations: Record<string, string> | undefined) =>
      Object.entries(annotations ?? {})
        .filter(([k]) => k.startsWith(OWNERS_ANNOTATION_PREFIX))
        .map(([, v]) => JSON.parse(v) as { knob: string; holders: string[] });
    const apply = (op: MutationOp, mutationId: string) =>
      worker().run('applyMutation', { mutationId, step: 'fallback', op, dryRun: false });
    const revert = (record: MutationRecord) => worker().run('revertMutation', { record, dryRun: false });

    // Each incident rotates the key to its own value, from its own reference.
    const rotatedKeys: Record<string, string> = Object.fromEntries(
      Array.from({ length: 12 }, (_, i) => [`ROTATED_KEY_${i}`, `sk-rotated-${i}-5e1f0c9a`]),
    );
    const BACKUP = `${IDEOGRAM.secret}-runbook-backup`;
    const secretOf = async (name: string) => {
      try {
        return await core.readNamespacedSecret({ namespace: NS, name });
      } catch (err) {
        if (err instanceof ApiException && err.code === 404) return undefined;
        throw err;
      }
    };
    const rawKey = async (key: string) => {
      const data = (await secretOf(IDEOGRAM.secret))?.data;
      return data?.[key] === undefined ? undefined : Buffer.from(data[key], 'base64');
    };
    const rotate = (key: string, i: number): MutationOp => ({
      kind: 'apply-secret',
      namespace: NS,
      secretName: IDEOGRAM.secret,
      key,
      ref: { kind: 'env', name: `ROTATED_KEY_${i}` },
    });
    const leakedValues = (originals: Buffer[]) =>
      [...Object.values(rotatedKeys).map((v) => Buffer.from(v)), ...originals].flatMap((b) => [
        b.toString('base64'),
        ...(b.toString('utf8').length > 3 ? [b.toString('utf8')] : []),
      ]);

    for (const [count, key, world] of [
      [2, IDEOGRAM.secretKey, 'key exists'],
      [10, IDEOGRAM.secretKey, 'key holds binary bytes'],
      [10, 'fallback-key', 'key absent'],
      [10, IDEOGRAM.secretKey, 'secret absent'],
    ] as const) {
      it(`${count} concurrent rotations of one key (${world}) all record the true prior; the last revert restores it exactly`, async () => {
        if (world === 'key holds binary bytes') {
          const binary = Buffer.from([0xff, 0x00, 0xfe, 0x80, 0x41, 0x0a, 0xc3]);
          await core.patchNamespacedSecret(
            { namespace: NS, name: IDEOGRAM.secret, body: { data: { [key]: binary.toString('base64') } } },
            setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
          );
        }
        if (world === 'secret absent') await core.deleteNamespacedSecret({ namespace: NS, name: IDEOGRAM.secret });
        const before = await secretOf(IDEOGRAM.secret);
        const original = await rawKey(key);
        const ids = Array.from({ length: count }, (_, i) => `incident-${i + 1}/rotate`);
        const records = await Promise.all(ids.map((id, i) => apply(rotate(key, i), id)));

        const expected = { key, secretExisted: world !== 'secret absent', keyExisted: original !== undefined };
        for (const record of records) expect(record.previous).toMatchObject(expected);
        // One backup for the cycle, named by every record (so every revertKubectl restores the original).
        expect(new Set(records.map((r) => JSON.stringify(r.previous))).size).toBe(1);
        expect(new Set(records.map((r) => r.revertKubectl)).size).toBe(1);
        const backup = (records[0]!.previous as PreviousSecret).backup;
        const rotated = new Set(Object.values(rotatedKeys));
        expect(rotated.has((await rawKey(key))!.toString('utf8'))).toBe(true);
        const held = await secretOf(IDEOGRAM.secret);
        expect(owners(held!.metadata!.annotations).map((o) => [...o.holders].sort())).toEqual([[...ids].sort()]);
        // Only the cycle's backup key, holding exactly the original bytes (none when there was no value).
        expect((await secretOf(BACKUP))?.data ?? {}).toEqual(
          original === undefined ? {} : { [backup.key]: original.toString('base64') },
        );
        if (count === 10) expect(conflicts).toBeGreaterThan(0);

        const order = shuffled(records, count + 5);
        const last = order.pop()!;
        const retried = order[0]!;
        await Promise.all([...order, retried].map((record) => revert(record)));
        expect(rotated.has((await rawKey(key))!.toString('utf8'))).toBe(true);
        expect(owners((await secretOf(IDEOGRAM.secret))!.metadata!.annotations).map((o) => o.holders)).toEqual([
          [last.id],
        ]);

        await revert(last);
        const restored = await secretOf(IDEOGRAM.secret);
        if (world === 'secret absent') expect(restored).toBeUndefined();
        else {
          expect(restored!.data).toEqual(before!.data);
          expect(await rawKey(key)).toEqual(original);
          expect(owners(restored!.metadata!.annotations)).toEqual([]);
        }
        expect(await secretOf(BACKUP)).toBeUndefined();
        await revert(last);
        await revert(retried);
        expect((await secretOf(IDEOGRAM.secret))?.data).toEqual(before?.data);

        // A retried revert after the key was restored and rotated again by a new incident changes nothing.
        const next = await apply(rotate(key, 11), 'incident-next/rotate');
        expect(next.previous).toMatchObject(expected);
        await revert(retried);
        await revert(last);
        expect((await rawKey(key))!.toString('utf8')).toBe(rotatedKeys.ROTATED_KEY_11);
        await revert(next);
        expect((await secretOf(IDEOGRAM.secret))?.data).toEqual(before?.data);
        expect(await secretOf(BACKUP)).toBeUndefined();

        // No value, rotated or original, in any record, annotation or log line.
        const annotations = JSON.stringify([
          held!.metadata!.annotations,
          (await secretOf(IDEOGRAM.secret))?.metadata?.annotations,
        ]);
        const everything =
          JSON.stringify([...records, next]) + annotations + loggers.flatMap((l) => l.lines).join('\n');
        for (const value of leakedValues(original ? [original] : [])) expect(everything).not.toContain(value);
      });
    }

    for (const [count, variable, mitigated] of [
      [2, 'IDEOGRAM_FALLBACK', 'true'],
      [10, 'IDEOGRAM_FALLBACK', 'true'],
      [10, 'IDEOGRAM_CONCURRENCY', '2'],
    ] as const) {
      it(`${count} concurrent incidents setting ${variable}=${mitigated} all record the true original; the last revert restores it exactly`, async () => {
        const before = await readDeployment();
        const original = await valuesOf(variable);
        const op: MutationOp = { kind: 'set-env', ...deployment, name: variable, value: mitigated };
        const ids = Array.from({ length: count }, (_, i) => `incident-${i + 1}/fallback`);
        const records = await Promise.all(ids.map((id) => apply(op, id)));

        const expectedPrevious = Object.entries(original).map(([container, value]) => ({
          container,
          previous: value === null ? null : { name: variable, value },
        }));
        for (const record of records) expect(record.previous).toEqual(expectedPrevious);
        expect(records.filter((r) => r.changed).length).toBeGreaterThanOrEqual(1);
        // A human reverting any one record by hand would type the command that restores the original.
        expect(new Set(records.map((r) => r.revertKubectl)).size).toBe(1);
        const applied = await readDeployment();
        expect(owners(applied.metadata!.annotations).map((o) => [...o.holders].sort())).toEqual([
          [...ids].sort(),
          [...ids].sort(),
        ]);
        if (count === 10) expect(conflicts).toBeGreaterThan(0);

        // Interleaved: all but the last revert concurrently in a shuffled order, a retried revert among them.
        const order = shuffled(records, count);
        const last = order.pop()!;
        const retried = order[0]!;
        await Promise.all([...order, retried].map((record) => revert(record)));
        expect(await valuesOf(variable)).toEqual({ api: mitigated, worker: mitigated });
        // Each revert left once, the retry did not take another incident's place.
        expect(owners((await readDeployment()).metadata!.annotations).map((o) => o.holders)).toEqual([
          [last.id],
          [last.id],
        ]);

        await revert(last);
        const restored = await readDeployment();
        expect(envOf(restored)).toEqual(envOf(before));
        expect(restored.spec!.template).toEqual(before.spec!.template);
        expect(owners(restored.metadata!.annotations)).toEqual([]);

        // A retried revert after the knob was restored and taken by a new incident changes nothing.
        const next = await apply(op, 'incident-next/fallback');
        expect(next.previous).toEqual(expectedPrevious);
        await revert(retried);
        await revert(last);
        expect(await valuesOf(variable)).toEqual({ api: mitigated, worker: mitigated });
        await revert(next);
        expect((await readDeployment()).spec!.template).toEqual(before.spec!.template);
      });
    }

    it('an incident on one container and one on all share the knob where they overlap', async () => {
      const before = await readDeployment();
      const [one, all] = await Promise.all([
        apply(
          { kind: 'set-env', ...deployment, container: 'api', name: 'IDEOGRAM_CONCURRENCY', value: '1' },
          'incident-a/throttle',
        ),
        apply({ kind: 'set-env', ...deployment, name: 'IDEOGRAM_CONCURRENCY', value: '1' }, 'incident-b/throttle'),
      ]);
      expect(one.previous).toEqual([{ container: 'api', previous: { name: 'IDEOGRAM_CONCURRENCY', value: '8' } }]);
      expect(all.previous).toEqual([
        { container: 'api', previous: { name: 'IDEOGRAM_CONCURRENCY', value: '8' } },
        { container: 'worker', previous: { name: 'IDEOGRAM_CONCURRENCY', value: '4' } },
      ]);
      await revert(all);
      // The worker container was b's alone: restored; api is still a's.
      expect(await valuesOf('IDEOGRAM_CONCURRENCY')).toEqual({ api: '1', worker: '4' });
      await revert(one);
      expect((await readDeployment()).spec!.template).toEqual(before.spec!.template);
    });

    it('a value a human set while an incident held the knob is never written over: a joining incident and the last revert report the drift and leave it', async () => {
      const before = await readDeployment();
      const op: MutationOp = { kind: 'set-env', ...deployment, name: 'IDEOGRAM_FALLBACK', value: 'true' };
      const first = await apply(op, 'incident-1/fallback');
      expect(first.drift).toBeUndefined();
      // `kubectl set env deployment/ideogram-service IDEOGRAM_FALLBACK=false -c worker`, as an admin.
      const patch = {
        spec: {
          template: {
            spec: { containers: [{ name: 'worker', env: [{ name: 'IDEOGRAM_FALLBACK', value: 'false' }] }] },
          },
        },
      };
      await apps.patchNamespacedDeployment(
        { namespace: NS, name: DEP, body: patch },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      );

      const second = await apply(op, 'incident-2/fallback');
      const workerKnob = `env ${NS}/${DEP}/worker/IDEOGRAM_FALLBACK`;
      expect(second.drift).toMatchObject({
        during: 'apply',
        knobs: [{ knob: workerKnob, live: "'false'", expected: "'true'" }],
      });
      expect(second.changed).toBe(false);
      expect(second.previous).toEqual(first.previous);
      expect(await valuesOf('IDEOGRAM_FALLBACK')).toEqual({ api: 'true', worker: 'false' });

      await revert(first);
      expect(await valuesOf('IDEOGRAM_FALLBACK')).toEqual({ api: 'true', worker: 'false' });
      // The last one out restores the container nobody touched, and reports (and keeps holding) the other.
      const last = await revert(second);
      expect(last.revertedAt).toBeUndefined();
      expect(last.drift).toMatchObject({
        during: 'revert',
        knobs: [{ knob: workerKnob, live: "'false'", expected: "'true'" }],
      });
      expect(await valuesOf('IDEOGRAM_FALLBACK')).toEqual({ api: null, worker: 'false' });
      expect(owners((await readDeployment()).metadata!.annotations).map((o) => [o.knob, o.holders])).toEqual([
        [workerKnob, ['incident-2/fallback']],
      ]);
      // Retried: still nothing written over the human's value.
      expect((await revert(second)).drift).toBeDefined();
      expect(await valuesOf('IDEOGRAM_FALLBACK')).toEqual({ api: null, worker: 'false' });

      // A human chose to keep their value: the engine lets go of the knob and writes nothing.
      const kept = await worker().run('revertMutation', { record: last, dryRun: false, onDrift: 'keep' });
      expect(kept.revertedAt).toBeUndefined();
      expect(await valuesOf('IDEOGRAM_FALLBACK')).toEqual({ api: null, worker: 'false' });
      expect(owners((await readDeployment()).metadata!.annotations)).toEqual([]);
      expect(
        loggers.flatMap((l) => l.lines).filter((l) => l.startsWith('WARN') && l.includes('changed by hand')),
      ).toEqual([
        expect.stringContaining('not written over'),
        expect.stringContaining('not restored'),
        expect.stringContaining('not restored'),
        expect.stringContaining('left as the human set it'),
      ]);

      // Another drift, but a human approved restoring the recorded original (the value they kept) over it.
      const again = await apply(op, 'incident-3/fallback');
      expect(again.previous).toEqual([
        { container: 'api', previous: null },
        { container: 'worker', previous: { name: 'IDEOGRAM_FALLBACK', value: 'false' } },
      ]);
      const manual = {
        spec: {
          template: {
            spec: { containers: [{ name: 'worker', env: [{ name: 'IDEOGRAM_FALLBACK', value: 'manual' }] }] },
          },
        },
      };
      await apps.patchNamespacedDeployment(
        { namespace: NS, name: DEP, body: manual },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      );
      expect((await revert(again)).drift).toMatchObject({ knobs: [{ knob: workerKnob, live: "'manual'" }] });
      expect(await valuesOf('IDEOGRAM_FALLBACK')).toEqual({ api: null, worker: 'manual' });
      const restored = await worker().run('revertMutation', { record: again, dryRun: false, onDrift: 'overwrite' });
      expect(restored.revertedAt).toBeDefined();
      expect(restored.drift).toBeUndefined();
      expect(await valuesOf('IDEOGRAM_FALLBACK')).toEqual({ api: null, worker: 'false' });
      expect(owners((await readDeployment()).metadata!.annotations)).toEqual([]);
      expect(envOf(await readDeployment()).api).toEqual(envOf(before).api);
    });

    it('10 concurrent incidents suspending the batch CronJobs restore exactly the prior suspend flags', async () => {
      const flags = async () =>
        Object.fromEntries(
          (await batch.listNamespacedCronJob({ namespace: NS })).items.map((j) => [
            j.metadata!.name!,
            j.spec!.suspend === true,
          ]),
        );
      const before = await flags();
      const op: MutationOp = { kind: 'suspend-cronjobs', namespace: NS, selector: IDEOGRAM.batchSelector };
      const records = await Promise.all(
        Array.from({ length: 10 }, (_, i) => apply(op, `incident-${i + 1}/pause-batch`)),
      );
      for (const record of records) {
        expect(record.previous).toEqual([
          { name: 'nightly-batch', suspended: false },
          { name: 'thumbnail-backfill', suspended: false },
          { name: 'weekly-report', suspended: true },
        ]);
      }
      expect(conflicts).toBeGreaterThan(0);
      const order = shuffled(records, 7);
      const last = order.pop()!;
      await Promise.all([...order, order[3]!].map((record) => revert(record)));
      expect(await flags()).toEqual({ ...before, 'nightly-batch': true, 'thumbnail-backfill': true });
      await revert(last);
      expect(await flags()).toEqual(before);
      const leftovers = (await batch.listNamespacedCronJob({ namespace: NS })).items.flatMap((j) =>
        owners(j.metadata!.annotations),
      );
      expect(leftovers).toEqual([]);
    });
  });
}
