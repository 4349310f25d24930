import { describe, expect, it } from 'vitest';
import type { AlertSignal, TimelineEntry, TimelineKind } from '../../src/contract/index.ts';
import { ALERT_BOUNDS, AlertRecorder } from '../../src/workflows/engine/alerts.ts';
import {
  appendBounded,
  BOUNDS,
  boundCauses,
  boundedEntry,
  boundSnapshot,
  isElision,
  jsonBytes,
  makeRoomForSecretRef,
  raiseRepeats,
} from '../../src/workflows/engine/bounds.ts';
import { HandOver, type HandOverPorts } from '../../src/workflows/engine/hand-over.ts';
import {
  assembleSnapshot,
  freshSnapshot,
  sliceSnapshot,
  viewOf,
  type IncidentSnapshot,
} from '../../src/workflows/engine/snapshot.ts';
import { IncidentInputSchema } from '../../src/contract/index.ts';
import { unitInput } from './support/time-skipping.ts';

const at = (i: number) => new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString();
const entry = (i: number, kind: TimelineKind = 'note', data?: unknown): TimelineEntry => ({
  at: at(i),
  kind,
  message: `${kind} ${i}`,
  ...(data === undefined ? {} : { data }),
});

/** The intake's widest alert: 50 labels, keys of 100 and values of 500 characters, long summary and URL. */
const wideAlert = (fingerprint: string, status: AlertSignal['status'] = 'firing'): AlertSignal => ({
  source: 'alertmanager',
  status,
  fingerprint,
  summary: 's'.repeat(2_000),
  labels: Object.fromEntries(
    Array.from({ length: 50 }, (_, i) => [`${String(i).padStart(2, '0')}${'k'.repeat(98)}`, 'v'.repeat(500)]),
  ),
  generatorURL: `http://prometheus/${'u'.repeat(1_980)}`,
});

const snapshot = (): IncidentSnapshot =>
  freshSnapshot(
    IncidentInputSchema.parse({ ...unitInput(), runbook: 'ideogram' }),
    'incident-1',
    at(0),
    'image-service',
  );

/** The recorder's add, as bounded as the real one (recorder.ts composes the same two functions). */
const timelineOf = (s: IncidentSnapshot) => ({
  add: (kind: TimelineKind, message: string, data?: unknown) => {
    const e = boundedEntry({ at: at(s.timeline.length), kind, message, ...(data === undefined ? {} : { data }) });
    appendBounded(s.timeline, e);
    return e;
  },
  repeated: (same: (e: TimelineEntry) => boolean, now: string) => raiseRepeats(s.timeline, same, now),
});

describe('timeline bounds', () => {
  it('keeps the first and last entries with one summary of what was elided between them', () => {
    const timeline: TimelineEntry[] = [];
    for (let i = 0; i < 10_000; i += 1) appendBounded(timeline, entry(i, i % 2 ? 'alert' : 'probe'));
    expect(timeline).toHaveLength(BOUNDS.head + 1 + BOUNDS.tail);
    expect(timeline.slice(0, BOUNDS.head).map((e) => e.message)).toEqual(
      Array.from({ length: BOUNDS.head }, (_, i) => entry(i, i % 2 ? 'alert' : 'probe').message),
    );
    expect(timeline.at(-1)!.message).toBe('alert 9999');
    const marker = timeline[BOUNDS.head]!;
    expect(isElision(marker)).toBe(true);
    const elided = 10_000 - BOUNDS.head - BOUNDS.tail;
    expect(marker.message).toBe(
      `${elided} timeline entries elided to keep the incident bounded (${elided / 2} probes, ${elided / 2} alerts), ${at(BOUNDS.head)} to ${at(10_000 - BOUNDS.tail - 1)}`,
    );
  });

  it('elides routine entries before milestones', () => {
    const timeline: TimelineEntry[] = [];
    for (let i = 0; i < BOUNDS.head; i += 1) appendBounded(timeline, entry(i, 'probe'));
    appendBounded(timeline, entry(1_000, 'decision'));
    appendBounded(timeline, entry(1_001, 'mutation'));
    for (let i = 2_000; i < 5_000; i += 1) appendBounded(timeline, entry(i, 'alert'));
    expect(timeline.filter((e) => e.kind === 'decision' || e.kind === 'mutation').map((e) => e.message)).toEqual([
      'decision 1000',
      'mutation 1001',
    ]);
    expect(timeline.find(isElision)!.data.elided.byKind).toEqual({ alert: 3_000 - (BOUNDS.tail - 2) });
  });

  it('cuts messages and trims data: long strings, many keys, deep nesting', () => {
    const e = boundedEntry({
      at: at(0),
      kind: 'note',
      message: 'm'.repeat(5_000),
      data: {
        text: 'x'.repeat(5_000),
        list: Array.from({ length: 100 }, (_, i) => i),
        deep: { a: { b: { c: { d: 1 } } } },
      },
    });
    expect(e.message).toHaveLength(BOUNDS.messageChars);
    expect(e.data).toEqual({
      text: `${'x'.repeat(BOUNDS.strings - 1)}…`,
      list: [...Array.from({ length: BOUNDS.items }, (_, i) => i), `… ${100 - BOUNDS.items} more`],
      deep: { a: { b: { c: '{…}' } } },
    });
    const huge = boundedEntry({
      at: at(0),
      kind: 'note',
      message: 'm',
      data: Object.fromEntries(
        Array.from({ length: 20 }, (_, i) => [`k${i}`, Array.from({ length: 20 }, () => 'y'.repeat(300))]),
      ),
    });
    expect(JSON.stringify(huge.data).length).toBeLessThanOrEqual(BOUNDS.dataBytes);
  });
});

describe('alerts', () => {
  it('records the first few of a fingerprint, folds the rest into a repeat count, and records a status change', () => {
    const s = snapshot();
    const alerts = new AlertRecorder(s, timelineOf(s));
    const recorded = Array.from({ length: 1_000 }, () => alerts.record(wideAlert('fp-1'), at(99)));
    expect(recorded.filter(Boolean)).toHaveLength(ALERT_BOUNDS.perFingerprint);
    expect(alerts.record(wideAlert('fp-1', 'resolved'), at(100))).toBe(true);
    const entries = s.timeline.filter((e) => e.kind === 'alert');
    expect(entries).toHaveLength(ALERT_BOUNDS.perFingerprint + 1);
    expect(entries[ALERT_BOUNDS.perFingerprint - 1]!.message).toMatch(
      new RegExp(`— repeated ${1_000 - ALERT_BOUNDS.perFingerprint} more times, last at ${at(99)}$`),
    );
    expect(s.alerts).toMatchObject({ received: 1_001, folded: 1_000 - ALERT_BOUNDS.perFingerprint });
    const data = entries[0]!.data as { labels: Record<string, string>; labelsOmitted: number };
    expect(Object.keys(data.labels)).toHaveLength(ALERT_BOUNDS.labels);
    expect(data.labelsOmitted).toBe(50 - ALERT_BOUNDS.labels);
    expect(Math.max(...s.timeline.map((e) => jsonBytes(e)))).toBeLessThan(4_096);
  });

  it('keeps the whole snapshot small under 20,000 of the widest alerts, many fingerprints', () => {
    const s = snapshot();
    const alerts = new AlertRecorder(s, timelineOf(s));
    for (let i = 0; i < 20_000; i += 1) alerts.record(wideAlert(`fp-${i % 500}`), at(i));
    expect(s.alerts!.received).toBe(20_000);
    expect(s.alerts!.fingerprints).toHaveLength(ALERT_BOUNDS.fingerprints);
    expect(s.timeline.length).toBeLessThanOrEqual(BOUNDS.head + 1 + BOUNDS.tail);
    // The unbounded state grew by 30 kB per alert: 600 MB for this volume.
    expect(jsonBytes(s)).toBeLessThan(BOUNDS.snapshotBytes);
  });
});

describe('snapshot before continue-as-new', () => {
  it("is cut into the parts' slices and put back together as it was, field for field and in order", () => {
    // Set in the order an incident opened from the CLI sets them: its first entry, a hand-over, an alert.
    const s = snapshot();
    s.timelineSeq = 3;
    s.handedOver = { reason: 'r', at: at(0), secretRefsSeen: 1 };
    s.alerts = { received: 1, folded: 0, fingerprints: [] };
    const slices = sliceSnapshot(s);
    expect(Object.keys(slices).sort()).toEqual(
      ['alerts', 'budget', 'closing', 'comms', 'gate', 'handOver', 'identity', 'interruptions', 'ledger']
        .concat(['observer', 'record', 'run', 'triage'])
        .sort(),
    );
    expect(slices.record.timeline).toBe(s.timeline);
    expect(slices.handOver.handedOver).toBe(s.handedOver);
    expect(viewOf(slices).alerts).toBe(s.alerts);
    expect(JSON.stringify(assembleSnapshot(slices))).toBe(JSON.stringify(s));
  });

  it('drops routine data, then keeps fewer entries, until it fits the budget', () => {
    const s = snapshot();
    for (let i = 0; i < 1_000; i += 1)
      appendBounded(
        s.timeline,
        boundedEntry(
          entry(i, i % 10 ? 'probe' : 'state', {
            detail: 'd'.repeat(300),
            more: Array.from({ length: 20 }, () => 'e'.repeat(60)),
          }),
        ),
      );
    const before = jsonBytes(s);
    const { snapshot: bounded, size } = boundSnapshot(s, 100_000);
    expect(before).toBeGreaterThan(250_000);
    expect(size).toBe(jsonBytes(bounded));
    expect(size).toBeLessThanOrEqual(100_000);
    const marker = bounded.timeline.find(isElision)!;
    expect(marker.data.elided.total + bounded.timeline.length - 1).toBe(1_000);
    expect(bounded.timeline.at(-1)!.message).toBe('probe 999');
    expect(Object.keys(bounded)).toEqual(Object.keys(s));
  });

  it('keeps the first and last causes of a flapping incident', () => {
    const causes = Array.from({ length: 100 }, (_, i) => i);
    expect(boundCauses(causes)).toEqual([0, 1, 2, 3, 4, ...Array.from({ length: 20 }, (_, i) => 80 + i)]);
  });

  it('makes room for a secret reference by forgetting refused ones, and says which it forgot', () => {
    const s = snapshot();
    const ref = { kind: 'env' as const, name: 'K' };
    s.secretRefs = Array.from({ length: BOUNDS.secretRefs }, (_, i) => ({
      by: `p${i}`,
      ref,
      ...(i < 2 ? { refused: 'no' } : {}),
    }));
    const forgotten: number[] = [];
    expect(makeRoomForSecretRef(s.secretRefs, (index) => forgotten.push(index))).toBe(true);
    expect(s.secretRefs).toHaveLength(BOUNDS.secretRefs - 1);
    expect(s.secretRefs[0]!.by).toBe('p1');
    expect(forgotten).toEqual([0]);
    s.secretRefs = Array.from({ length: BOUNDS.secretRefs }, (_, i) => ({ by: `p${i}`, ref }));
    expect(makeRoomForSecretRef(s.secretRefs, (index) => forgotten.push(index))).toBe(false);
    expect(forgotten).toEqual([0]);
  });

  it('the hand-over stops counting a forgotten reference it had seen, and only such a one', () => {
    const human = { handedOver: { reason: 'r', at: at(0), secretRefsSeen: 5 } };
    const handOver = new HandOver(human, {} as HandOverPorts);
    handOver.forgetSecretRef(0);
    expect(human.handedOver.secretRefsSeen).toBe(4);
    handOver.forgetSecretRef(4);
    expect(human.handedOver.secretRefsSeen).toBe(4);
  });
});
