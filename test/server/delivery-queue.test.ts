import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { RequestRefusedError } from '../../src/app/errors.ts';
import { createLogger } from '../../src/infra/logger.ts';
import { DeliveryQueue, type Delivery } from '../../src/server/intake/delivery-queue.ts';

/** A queue with a millisecond backoff and a log captured as text. */
function queueOf(limit: number, attempts = 3) {
  const lines: string[] = [];
  const destination = new Writable({
    write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()),
  });
  const log = createLogger({ level: 'debug', format: 'json', destination });
  const queue = new DeliveryQueue({
    log,
    limit,
    attempts,
    backoff: { initialMs: 1, maxMs: 4 },
    permanent: (err) => err instanceof RequestRefusedError,
  });
  return { queue, logText: () => lines.join('') };
}

/** A promise settled from outside: a delivery in flight until the test lets it through. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

function delivery(key: string, fingerprint: string, deliver: () => Promise<unknown>): Delivery {
  return { key, about: { fingerprint, status: 'firing' }, deliver: async () => (await deliver(), {}) };
}

describe('DeliveryQueue', () => {
  it("retries a delivery that fails with backoff until it succeeds, and the incident's later alerts wait their turn", async () => {
    const { queue, logText } = queueOf(10, 3);
    const delivered: string[] = [];
    let failures = 2;
    const first = delivery('ideogram/svc', 'fp-1', async () => {
      if (failures > 0) {
        failures -= 1;
        throw new Error('14 UNAVAILABLE: connection refused');
      }
      delivered.push('fp-1');
    });
    expect(await queue.offer([first, delivery('ideogram/svc', 'fp-2', async () => delivered.push('fp-2'))])).toEqual([
      { delivered: true },
      { delivered: true },
    ]);
    expect(delivered).toEqual(['fp-1', 'fp-2']);
    expect(queue.snapshot()).toEqual({ limit: 10, queued: 0, delivered: 2, retried: 2, failed: 0, lastFailure: null });
    expect(logText()).toContain('alert delivery failed; retrying');
    expect(logText()).toContain('14 UNAVAILABLE: connection refused');
  });

  it("gives up after the configured attempts, reports it to the caller, counts and logs it without the alert's content, and goes on with the next alert", async () => {
    const { queue, logText } = queueOf(10, 3);
    const secretLabel = 'sk-label-do-not-log';
    let tries = 0;
    const delivered: string[] = [];
    const doomed: Delivery = {
      key: 'ideogram/svc',
      about: { fingerprint: 'fp-lost', status: 'firing' },
      deliver: async () => {
        tries += 1;
        // An error may carry the request it failed on: only `about` and the message may reach the log.
        throw Object.assign(new Error('4 DEADLINE_EXCEEDED'), { request: { labels: { token: secretLabel } } });
      },
    };
    const outcomes = await queue.offer([
      doomed,
      delivery('ideogram/svc', 'fp-next', async () => delivered.push('fp-next')),
    ]);
    expect(outcomes).toEqual([
      { delivered: false, permanent: false, error: '4 DEADLINE_EXCEEDED' },
      { delivered: true },
    ]);
    expect(tries).toBe(3);
    expect(delivered).toEqual(['fp-next']);
    const stats = queue.snapshot();
    expect(stats).toMatchObject({ queued: 0, delivered: 1, retried: 2, failed: 1 });
    expect(stats.lastFailure).toMatchObject({
      key: 'ideogram/svc',
      fingerprint: 'fp-lost',
      attempts: 3,
      error: '4 DEADLINE_EXCEEDED',
    });
    expect(logText()).toContain('alert not delivered');
    expect(logText()).not.toContain(secretLabel);
  });

  it('does not retry what the engine refuses (a start request it rejects)', async () => {
    const { queue, logText } = queueOf(10, 5);
    let tries = 0;
    const outcomes = await queue.offer([
      delivery('ideogram/svc', 'fp-bad', async () => {
        tries += 1;
        throw new RequestRefusedError('incident: symptom too long');
      }),
    ]);
    expect(outcomes).toEqual([{ delivered: false, permanent: true, error: 'incident: symptom too long' }]);
    expect(tries).toBe(1);
    expect(queue.snapshot()).toMatchObject({ failed: 1, retried: 0 });
    expect(logText()).toContain('alert refused by the engine');
  });

  it('is bounded: a batch that does not fit is refused whole, nothing of it queued; room comes back as deliveries finish', async () => {
    const { queue } = queueOf(3);
    const held = gate();
    const delivered: string[] = [];
    const slow = (fingerprint: string) =>
      delivery('ideogram/svc', fingerprint, async () => (await held.opened, delivered.push(fingerprint)));
    expect(queue.offer([slow('a'), slow('b')])).not.toBeNull();
    expect(queue.offer([slow('c'), slow('d')])).toBeNull();
    expect(queue.snapshot().queued).toBe(2);
    expect(queue.offer([slow('e')])).not.toBeNull();
    expect(queue.offer([slow('f')])).toBeNull();
    expect(queue.snapshot().queued).toBe(3);
    held.open();
    await queue.drain();
    expect(delivered).toEqual(['a', 'b', 'e']);
    expect(queue.snapshot()).toMatchObject({ queued: 0, delivered: 3, failed: 0 });
    expect(await queue.offer([slow('g'), slow('h'), slow('i')])).toHaveLength(3);
    expect(delivered).toEqual(['a', 'b', 'e', 'g', 'h', 'i']);
  });

  it("keeps incidents apart: one incident's stalled delivery does not hold up another's", async () => {
    const { queue } = queueOf(10);
    const held = gate();
    const delivered: string[] = [];
    const a = queue.offer([delivery('ideogram/a', 'a-1', async () => (await held.opened, delivered.push('a-1')))]);
    expect(await queue.offer([delivery('ideogram/b', 'b-1', async () => delivered.push('b-1'))])).toEqual([
      { delivered: true },
    ]);
    expect(delivered).toEqual(['b-1']);
    expect(a).not.toBeNull();
    held.open();
    await queue.drain();
    expect(delivered).toEqual(['b-1', 'a-1']);
  });

  it("with keepOrder, does not try an incident's later alert while an earlier one failed for a reason a retry could fix", async () => {
    const lines: string[] = [];
    const log = createLogger({
      level: 'debug',
      format: 'json',
      destination: new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) }),
    });
    const queue = new DeliveryQueue({
      log,
      limit: 10,
      attempts: 1,
      backoff: { initialMs: 1, maxMs: 1 },
      keepOrder: true,
      permanent: (err) => err instanceof RequestRefusedError,
    });
    const delivered: string[] = [];
    const first = queue.offer([
      delivery('ideogram/svc', 'fp-1', async () => Promise.reject(new Error('14 UNAVAILABLE'))),
    ]);
    const behind = queue.offer([delivery('ideogram/svc', 'fp-2', async () => delivered.push('fp-2'))]);
    const elsewhere = queue.offer([delivery('ideogram/other', 'fp-3', async () => delivered.push('fp-3'))]);
    expect(await first).toEqual([{ delivered: false, permanent: false, error: '14 UNAVAILABLE' }]);
    expect(await behind).toEqual([
      { delivered: false, permanent: false, error: 'not tried: an earlier alert of ideogram/svc was not delivered' },
    ]);
    expect(await elsewhere).toEqual([{ delivered: true }]);
    expect(delivered).toEqual(['fp-3']);
    expect(queue.snapshot()).toMatchObject({ queued: 0, delivered: 1, failed: 2 });
    // A refusal no retry fixes does not hold the next one back; nor does a failure already settled.
    const refused = queue.offer([
      delivery('ideogram/svc', 'fp-4', async () => Promise.reject(new RequestRefusedError('bad'))),
    ]);
    const after = queue.offer([delivery('ideogram/svc', 'fp-5', async () => delivered.push('fp-5'))]);
    expect((await refused)![0]).toMatchObject({ delivered: false, permanent: true });
    expect(await after).toEqual([{ delivered: true }]);
  });
});
