import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordOnlyTarget } from '../../src/activities/kubernetes/index.ts';
import type { MutationOp, MutationRecord } from '../../src/contract/index.ts';
import { activityRunner, type CapturingLogger } from './helpers.ts';
import { shuffled } from './shuffle.ts';

const anchor = { namespace: 'payments', deployment: 'ideogram-service' };
const seed = {
  ...anchor,
  containers: ['api', 'worker'],
  env: { IDEOGRAM_CONCURRENCY: '8' },
  cronJobs: [
    { name: 'nightly-batch', labels: { 'runbook.dev/batch': 'ideogram' } },
    { name: 'weekly-batch', labels: { 'runbook.dev/batch': 'ideogram' }, suspended: true },
  ],
};
const fallback: MutationOp = { kind: 'set-env', ...anchor, name: 'IDEOGRAM_FALLBACK', value: 'true' };

describe('record-only target: several incidents on one knob', () => {
  let dir: string;
  let stateFile: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'record-only-owners-'));
    stateFile = join(dir, 'cluster.json');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const rotatedKeys: Record<string, string> = Object.fromEntries(
    Array.from({ length: 10 }, (_, i) => [`ROTATED_KEY_${i}`, `sk-rotated-${i}-77c1d2e3`]),
  );
  let loggers: CapturingLogger[] = [];
  /** A fresh target on the shared file per activity: as if every incident ran on its own worker. */
  const run = () => {
    const runner = activityRunner({
      target: new RecordOnlyTarget({ stateFile }),
      clock: () => new Date(),
      env: rotatedKeys,
    });
    loggers.push(runner.logger);
    return runner;
  };
  const apply = (op: MutationOp, mutationId: string) =>
    run().run('applyMutation', { mutationId, step: 'mitigate', op, dryRun: false });
  const revert = (record: MutationRecord) => run().run('revertMutation', { record, dryRun: false });
  const model = () => new RecordOnlyTarget({ stateFile }).snapshot();
  const envOf = () => model().deployments['payments/ideogram-service']!.containers.map((c) => c.env);
  const valueOf = (name: string) =>
    model().deployments['payments/ideogram-service']!.containers.map(
      (c) => c.env.find((e) => e.name === name)?.value ?? null,
    );

  for (const [count, op, expectedPrevious] of [
    [
      2,
      fallback,
      [
        { container: 'api', previous: null },
        { container: 'worker', previous: null },
      ],
    ],
    [
      10,
      fallback,
      [
        { container: 'api', previous: null },
        { container: 'worker', previous: null },
      ],
    ],
    [
      10,
      { kind: 'set-env', ...anchor, name: 'IDEOGRAM_CONCURRENCY', value: '2' },
      [
        { container: 'api', previous: { name: 'IDEOGRAM_CONCURRENCY', value: '8' } },
        { container: 'worker', previous: { name: 'IDEOGRAM_CONCURRENCY', value: '8' } },
      ],
    ],
  ] as const) {
    it(`${count} concurrent incidents setting ${op.name} record the true original, stay mitigated until the last revert, which restores it exactly`, async () => {
      new RecordOnlyTarget({ stateFile, seed: [seed] });
      const before = envOf();
      const records = await Promise.all(
        Array.from({ length: count }, (_, i) => apply(op, `incident-${i + 1}/mitigate`)),
      );
      for (const record of records) expect(record.previous).toEqual(expectedPrevious);
      expect(records.filter((r) => r.changed)).toHaveLength(1);
      expect(valueOf(op.name)).toEqual([op.value, op.value]);

      const order = shuffled(records, count + 3);
      const last = order.pop()!;
      // Interleaved and concurrent, with one revert retried.
      await Promise.all([...order, order[0]!].map((record) => revert(record)));
      expect(valueOf(op.name)).toEqual([op.value, op.value]);
      const holders = Object.values(model().annotations!['payments/ideogram-service']!).map(
        (v) => (JSON.parse(v) as { holders: string[] }).holders,
      );
      expect(holders).toEqual([[last.id], [last.id]]);

      await revert(last);
      expect(envOf()).toEqual(before);
      expect(model().annotations ?? {}).toEqual({});
      await revert(last);
      expect(envOf()).toEqual(before);
    });
  }

  const ORIGINAL = 'sk-original-9a8b7c6d';
  const rotate = (key: string, i: number): MutationOp => ({
    kind: 'apply-secret',
    namespace: 'payments',
    secretName: 'ideogram-secrets',
    key,
    ref: { kind: 'env', name: `ROTATED_KEY_${i}` },
  });
  const secretOf = () => model().secrets['payments/ideogram-secrets'];

  for (const [count, key, world] of [
    [2, 'api-key', 'key exists'],
    [10, 'api-key', 'key exists'],
    [10, 'fallback-key', 'key absent'],
    [10, 'api-key', 'secret absent'],
  ] as const) {
    it(`${count} concurrent rotations of one key (${world}) record the true prior, keep a rotated value until the last revert, which restores it exactly`, async () => {
      loggers = [];
      new RecordOnlyTarget({
        stateFile,
        seed: [
          {
            ...seed,
            secrets:
              world === 'secret absent' ? {} : { 'ideogram-secrets': { 'api-key': ORIGINAL, other: 'untouched' } },
          },
        ],
      });
      const before = secretOf();
      const records = await Promise.all(
        Array.from({ length: count }, (_, i) => apply(rotate(key, i), `incident-${i + 1}/rotate`)),
      );
      const expected = { key, secretExisted: world !== 'secret absent', keyExisted: world === 'key exists' };
      for (const record of records) expect(record.previous).toMatchObject(expected);
      expect(new Set(records.map((r) => JSON.stringify(r.previous))).size).toBe(1);
      expect(Object.values(model().secretBackups ?? {})).toEqual(
        world === 'key exists' ? [{ oldValue: ORIGINAL }] : [],
      );
      const rotated = new Set(Object.values(rotatedKeys));
      expect(rotated.has(secretOf()![key]!)).toBe(true);
      const annotations = JSON.stringify(model().secretAnnotations);

      const order = shuffled(records, count + 7);
      const last = order.pop()!;
      await Promise.all([...order, order[0]!].map((record) => revert(record)));
      expect(rotated.has(secretOf()![key]!)).toBe(true);
      const holders = Object.values(model().secretAnnotations!['payments/ideogram-secrets']!).map(
        (v) => (JSON.parse(v) as { holders: string[] }).holders,
      );
      expect(holders).toEqual([[last.id]]);

      await revert(last);
      expect(secretOf()).toEqual(before);
      expect(model().secretAnnotations ?? {}).toEqual({});
      expect(model().secretBackups ?? {}).toEqual({});
      await revert(last);
      await revert(order[0]!);
      expect(secretOf()).toEqual(before);

      const everything = JSON.stringify(records) + annotations + loggers.flatMap((l) => l.lines).join('\n');
      for (const value of [ORIGINAL, ...rotated]) expect(everything).not.toContain(value);
    });
  }

  it('an intermediate revert leaves the knob mitigated; a retried revert does not release another incident', async () => {
    new RecordOnlyTarget({ stateFile, seed: [seed] });
    const [a, b, c] = await Promise.all(['a/fallback', 'b/fallback', 'c/fallback'].map((id) => apply(fallback, id)));
    await revert(a!);
    await revert(a!);
    await revert(a!);
    expect(valueOf('IDEOGRAM_FALLBACK')).toEqual(['true', 'true']);
    await revert(c!);
    expect(valueOf('IDEOGRAM_FALLBACK')).toEqual(['true', 'true']);
    await revert(b!);
    expect(valueOf('IDEOGRAM_FALLBACK')).toEqual([null, null]);
  });

  /** A human's `kubectl set env` on the model: no owner record changes. */
  const setByHand = async (container: string, value: string) => {
    const raw = JSON.parse(await readFile(stateFile, 'utf8')) as ReturnType<typeof model>;
    const env = raw.deployments['payments/ideogram-service']!.containers.find((c) => c.name === container)!.env;
    raw.deployments['payments/ideogram-service']!.containers.find((c) => c.name === container)!.env = [
      ...env.filter((e) => e.name !== 'IDEOGRAM_FALLBACK'),
      { name: 'IDEOGRAM_FALLBACK', value },
    ];
    await writeFile(stateFile, JSON.stringify(raw));
  };

  it('an apply over a value a human set writes nothing there and reports the drift; overwrite applies it anyway', async () => {
    new RecordOnlyTarget({ stateFile, seed: [seed] });
    await apply(fallback, 'a/fallback');
    await setByHand('api', 'false');
    const b = await apply(fallback, 'b/fallback');
    expect(b.changed).toBe(false);
    expect(b.drift).toMatchObject({
      during: 'apply',
      knobs: [{ knob: 'env payments/ideogram-service/api/IDEOGRAM_FALLBACK', live: "'false'", expected: "'true'" }],
    });
    expect(valueOf('IDEOGRAM_FALLBACK')).toEqual(['false', 'true']);
    // Joined without claiming the human's value as its own: a later reader still sees the drift.
    expect((await apply(fallback, 'c/fallback')).drift).toBeDefined();
    const forced = await run().run('applyMutation', {
      mutationId: 'b/fallback',
      step: 'mitigate',
      op: fallback,
      dryRun: false,
      onDrift: 'overwrite',
    });
    expect(forced.drift).toBeUndefined();
    expect(valueOf('IDEOGRAM_FALLBACK')).toEqual(['true', 'true']);
    expect((await apply(fallback, 'd/fallback')).drift).toBeUndefined();
  });

  it('the last revert over a value a human set leaves it and reports the drift; keep lets go of the knob, untouched', async () => {
    new RecordOnlyTarget({ stateFile, seed: [seed] });
    const [a, b] = [await apply(fallback, 'a/fallback'), await apply(fallback, 'b/fallback')];
    await setByHand('worker', 'manual');
    expect((await revert(a)).revertedAt).toBeDefined();
    const reported = await revert(b);
    expect(reported.revertedAt).toBeUndefined();
    expect(reported.drift).toMatchObject({
      during: 'revert',
      knobs: [{ knob: 'env payments/ideogram-service/worker/IDEOGRAM_FALLBACK', live: "'manual'", expected: "'true'" }],
    });
    expect(valueOf('IDEOGRAM_FALLBACK')).toEqual([null, 'manual']);
    const kept = await run().run('revertMutation', { record: reported, dryRun: false, onDrift: 'keep' });
    expect(kept.revertedAt).toBeUndefined();
    expect(valueOf('IDEOGRAM_FALLBACK')).toEqual([null, 'manual']);
    expect(model().annotations ?? {}).toEqual({});
    // Let go: a retried revert finds nothing to hold or to restore.
    expect((await revert(reported)).drift).toBeUndefined();
    expect(valueOf('IDEOGRAM_FALLBACK')).toEqual([null, 'manual']);
  });

  it('a rotated key a human replaced is not restored over; only a digest, never a value, names it', async () => {
    new RecordOnlyTarget({ stateFile, seed: [{ ...seed, secrets: { 'ideogram-secrets': { 'api-key': ORIGINAL } } }] });
    const a = await apply(rotate('api-key', 0), 'a/rotate');
    const HAND = 'sk-set-by-hand-31415926';
    const raw = JSON.parse(await readFile(stateFile, 'utf8')) as ReturnType<typeof model>;
    raw.secrets['payments/ideogram-secrets']!['api-key'] = HAND;
    await writeFile(stateFile, JSON.stringify(raw));
    const b = await apply(rotate('api-key', 1), 'b/rotate');
    expect(b.drift).toMatchObject({
      during: 'apply',
      knobs: [
        {
          live: expect.stringMatching(/^another value \(sha256 [0-9a-f]{12}…\)$/),
          expected: expect.stringContaining('env:ROTATED_KEY_0'),
        },
      ],
    });
    expect(secretOf()!['api-key']).toBe(HAND);
    await revert(a);
    const reported = await revert(b);
    expect(reported.drift?.during).toBe('revert');
    expect(secretOf()!['api-key']).toBe(HAND);
    await run().run('revertMutation', { record: reported, dryRun: false, onDrift: 'keep' });
    expect(secretOf()).toEqual({ 'api-key': HAND });
    expect(model().secretAnnotations ?? {}).toEqual({});
    expect(model().secretBackups ?? {}).toEqual({});
    const everything = JSON.stringify([a, b, reported]) + loggers.flatMap((l) => l.lines).join('\n');
    for (const value of [ORIGINAL, HAND, ...Object.values(rotatedKeys)]) expect(everything).not.toContain(value);
  });

  it('CronJobs a human resumed while suspended are not suspended again by a joining incident, nor flipped at the last revert unless a human approves', async () => {
    new RecordOnlyTarget({ stateFile, seed: [seed] });
    const op: MutationOp = { kind: 'suspend-cronjobs', namespace: 'payments', selector: 'runbook.dev/batch=ideogram' };
    const a = await apply(op, 'a/pause');
    const raw = JSON.parse(await readFile(stateFile, 'utf8')) as ReturnType<typeof model>;
    raw.cronJobs['payments/nightly-batch']!.suspended = false;
    raw.cronJobs['payments/weekly-batch']!.suspended = false;
    await writeFile(stateFile, JSON.stringify(raw));
    const b = await apply(op, 'b/pause');
    expect(b.drift?.knobs).toEqual(
      ['nightly-batch', 'weekly-batch'].map((name) => ({
        knob: `suspend cronjob payments/${name}`,
        live: 'not suspended',
        expected: 'suspended',
      })),
    );
    expect(b.previous).toEqual(a.previous);
    const flags = () => Object.values(model().cronJobs).map((j) => j.suspended);
    expect(flags()).toEqual([false, false]);
    await revert(a);
    const reported = await revert(b);
    expect(reported.drift?.during).toBe('revert');
    expect(reported.drift?.knobs).toHaveLength(2);
    expect(flags()).toEqual([false, false]);
    // A human approved restoring the recorded flags over theirs: weekly-batch was suspended before any incident.
    const restored = await run().run('revertMutation', { record: reported, dryRun: false, onDrift: 'overwrite' });
    expect(restored.revertedAt).toBeDefined();
    expect(flags()).toEqual([false, true]);
    expect(Object.values(model().cronJobs).map((j) => j.annotations)).toEqual([undefined, undefined]);
  });

  it('10 concurrent incidents suspending CronJobs restore exactly the prior flags', async () => {
    new RecordOnlyTarget({ stateFile, seed: [seed] });
    const op: MutationOp = { kind: 'suspend-cronjobs', namespace: 'payments', selector: 'runbook.dev/batch=ideogram' };
    const records = await Promise.all(Array.from({ length: 10 }, (_, i) => apply(op, `incident-${i + 1}/pause`)));
    for (const record of records)
      expect(record.previous).toEqual([
        { name: 'nightly-batch', suspended: false },
        { name: 'weekly-batch', suspended: true },
      ]);
    const order = shuffled(records, 5);
    const last = order.pop()!;
    await Promise.all([...order, order[2]!].map((record) => revert(record)));
    expect(model().cronJobs['payments/nightly-batch']!.suspended).toBe(true);
    await revert(last);
    expect(Object.fromEntries(Object.entries(model().cronJobs).map(([k, j]) => [k, j]))).toEqual({
      'payments/nightly-batch': { labels: { 'runbook.dev/batch': 'ideogram' }, suspended: false },
      'payments/weekly-batch': { labels: { 'runbook.dev/batch': 'ideogram' }, suspended: true },
    });
  });

  it('a change waits for the lock another process holds on the model file, then builds on what that process wrote', async () => {
    new RecordOnlyTarget({ stateFile, seed: [seed] });
    const other = spawn(process.execPath, [resolve(import.meta.dirname, 'fixtures/hold-model-lock.ts'), stateFile], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines: string[] = [];
    other.stdout.setEncoding('utf8').on('data', (chunk: string) => lines.push(...chunk.split('\n').filter(Boolean)));
    while (!lines.includes('locked')) await once(other.stdout, 'data');
    const applying = apply(fallback, 'incident-1/fallback');
    other.stdin.end('go\n');
    const [code] = (await once(other, 'exit')) as [number];
    expect(code).toBe(0);
    const record = await applying;
    expect(record.changed).toBe(true);
    // Both writes survive: ours came after the other process released the lock, on top of its write.
    expect(model().secrets['payments/marker']).toEqual({ written: 'by-the-other-process' });
    expect(valueOf('IDEOGRAM_FALLBACK')).toEqual(['true', 'true']);
  }, 30_000);

  it('worker processes sharing the model file coordinate through it', async () => {
    new RecordOnlyTarget({ stateFile, seed: [seed] });
    const before = envOf();
    const script = resolve(import.meta.dirname, 'fixtures/record-only-worker.ts');
    const worker = async (action: 'apply' | 'revert', input: string) =>
      JSON.parse(
        (await promisify(execFile)(process.execPath, [script, stateFile, action, input])).stdout,
      ) as MutationRecord[];
    const applied = (
      await Promise.all(
        [0, 1, 2].map((p) => worker('apply', [1, 2, 3].map((i) => `incident-${p}-${i}/fallback`).join(','))),
      )
    ).flat();
    expect(applied).toHaveLength(9);
    for (const record of applied)
      expect(record.previous).toEqual([
        { container: 'api', previous: null },
        { container: 'worker', previous: null },
      ]);
    expect(applied.filter((r) => r.changed)).toHaveLength(1);

    const order = shuffled(applied, 11);
    const last = order.pop()!;
    const batches = [order.slice(0, 4), order.slice(4)];
    const files = await Promise.all(
      batches.map(async (batch, i) => {
        const file = join(dir, `revert-${i}.json`);
        await writeFile(file, JSON.stringify(batch));
        return file;
      }),
    );
    await Promise.all(files.map((file) => worker('revert', file)));
    expect(valueOf('IDEOGRAM_FALLBACK')).toEqual(['true', 'true']);
    await revert(last);
    expect(envOf()).toEqual(before);
  }, 60_000);
});
