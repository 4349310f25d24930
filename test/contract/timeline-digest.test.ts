import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  clip,
  digestTimeline,
  excerpt,
  humanDuration,
  type ProbeResult,
  type TimelineEntry,
} from '../../src/contract/index.ts';

const at = (second: number) => new Date(Date.UTC(2026, 10, 25, 10, 0, second)).toISOString();
const result = (
  probe: string,
  httpStatus: number | null,
  ok: boolean,
  more: Partial<ProbeResult> = {},
): ProbeResult => ({
  probe,
  ok,
  httpStatus,
  errorKind: null,
  latencyMs: 120,
  detail: '',
  billed: false,
  source: 'provider',
  ...more,
});
/** A triage round as the engine records it: one entry per probe, all at one workflow time. */
const triageRound = (second: number, results: ProbeResult[]): TimelineEntry[] =>
  results.map((r) => ({
    at: at(second),
    kind: 'probe',
    message: `${r.probe}: ${r.ok ? 'ok' : 'FAIL'} in ${second} ms`,
    data: r,
  }));
const OUTAGE = [
  result('legacy_generate', 503, false),
  result('v3_generate', 503, false),
  result('dns', null, true),
  result('status_page', 200, true, { extractedField: 'major' }),
  result('download', null, false, { source: 'self', detail: 'skipped: no image URL' }),
];
const BLOCKED = [
  result('legacy_generate', null, false, { source: 'self', blocker: 'secret unreadable' }),
  result('status_page', 200, true, { extractedField: 'none' }),
];

describe('the timeline for people', () => {
  it('summarises a probe round in one row: failures first, then what was read, what passed, what did not run', () => {
    const rows = digestTimeline(triageRound(1, OUTAGE));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      kind: 'probe',
      probes: true,
      count: 1,
      text: 'Probes: legacy_generate, v3_generate: HTTP 503 · status_page: major · dns: ok · download: not run',
    });
    expect(rows[0]!.entries).toHaveLength(OUTAGE.length);
  });

  it('folds the identical rounds of a blocked incident into one row with a count and a time span', () => {
    const timeline: TimelineEntry[] = [
      { at: at(0), kind: 'state', message: 'investigating: manual by rita' },
      ...triageRound(1, BLOCKED),
      { at: at(1), kind: 'state', message: 'blocked: cannot triage: secret unreadable' },
      ...triageRound(3, BLOCKED),
      ...triageRound(7, BLOCKED),
      ...triageRound(20, BLOCKED),
      ...triageRound(25, OUTAGE),
    ];
    const rows = digestTimeline(timeline);
    expect(rows.map((r) => [r.text, r.count])).toEqual([
      ['investigating: manual by rita', 1],
      ['Probes: status_page: none · legacy_generate: not run', 1],
      ['blocked: cannot triage: secret unreadable', 1],
      ['Probes: status_page: none · legacy_generate: not run', 3],
      ['Probes: legacy_generate, v3_generate: HTTP 503 · status_page: major · dns: ok · download: not run', 1],
    ]);
    expect(rows[3]).toMatchObject({ at: at(3), until: at(20) });
    expect(rows[3]!.entries).toHaveLength(6);
  });

  it('reads confirmations and real checks with their verdict, without the counters that differ each round', () => {
    const confirmation = (round: number, second: number) =>
      OUTAGE.slice(0, 2).map((r): TimelineEntry => ({
        at: at(second),
        kind: 'probe',
        message: `confirmation ${round}: ${r.probe}: FAIL HTTP 503`,
        data: r,
      }));
    const realCheck = (poll: number, second: number, verdict: string, results: ProbeResult[]): TimelineEntry => ({
      at: at(second),
      kind: 'probe',
      message: `real check ${poll}: ${verdict} (cited)`,
      data: { results },
    });
    const rows = digestTimeline([
      ...confirmation(1, 1),
      ...confirmation(2, 2),
      realCheck(4, 5, 'still failing', OUTAGE.slice(0, 2)),
      realCheck(9, 9, 'healthy 1/3', [result('legacy_generate', 200, true), result('v3_generate', 200, true)]),
      realCheck(12, 12, 'healthy 4/3', [result('legacy_generate', 200, true), result('v3_generate', 200, true)]),
    ]);
    expect(rows.map((r) => [r.text, r.count])).toEqual([
      ['Confirmation: legacy_generate, v3_generate: HTTP 503', 2],
      ['Real check: still failing — legacy_generate, v3_generate: HTTP 503', 1],
      ['Real check: healthy, 1 of 3 in a row — legacy_generate, v3_generate: ok', 1],
      ['Real check: healthy, 4 in a row (3 needed) — legacy_generate, v3_generate: ok', 1],
    ]);
  });

  it('keeps a probe entry without results (squeezed by the bounds) as its message, without its poll number', () => {
    const rows = digestTimeline([
      { at: at(1), kind: 'probe', message: 'monitor poll 3 (status_page): still failing HTTP 200 indicator=major' },
      { at: at(4), kind: 'probe', message: 'monitor poll 4 (status_page): still failing HTTP 200 indicator=major' },
    ]);
    expect(rows.map((r) => [r.text, r.count])).toEqual([
      ['monitor poll (status_page): still failing HTTP 200 indicator=major', 2],
    ]);
  });

  it('for any timeline: every entry in exactly one row, in order; no two neighbouring rows say the same; other entries keep their words', () => {
    const kinds = ['state', 'note', 'notification', 'approved'] as const;
    const other = fc.record({
      kind: fc.constantFrom(...kinds),
      message: fc.constantFrom('a', 'b', 'status update sent'),
    });
    const round = fc.subarray(OUTAGE.concat(BLOCKED), { minLength: 1 });
    const piece = fc.oneof(
      other.map((o) => ({ other: o })),
      round.map((r) => ({ round: r })),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        const timeline = pieces.flatMap((p, i): TimelineEntry[] =>
          'round' in p ? triageRound(i, p.round) : [{ at: at(i), ...p.other }],
        );
        const rows = digestTimeline(timeline);
        expect(rows.flatMap((r) => r.entries)).toEqual(timeline);
        for (const [i, row] of rows.entries()) {
          expect(row.count).toBeGreaterThanOrEqual(1);
          expect(row.at <= row.until).toBe(true);
          if (i > 0) expect(row.kind === rows[i - 1]!.kind && row.text === rows[i - 1]!.text).toBe(false);
          if (!row.probes) for (const e of row.entries) expect(e.message).toBe(row.text);
        }
      }),
    );
  });
});

describe('excerpts of long bodies', () => {
  /** Whether the end of serialised JSON `prefix` lies inside a quoted string: an odd number of unescaped quotes before it. */
  const endsInString = (prefix: string) => (prefix.match(/(?<!\\)(?:\\\\)*"/g)?.length ?? 0) % 2 === 1;

  it('never cuts a JSON body inside a word, stays within its length and says how long the whole was', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 8, max: 200 }), (value, max) => {
        const text = JSON.stringify(value);
        const cut = excerpt(text, max);
        if (text.length <= max) {
          expect(cut).toBe(text);
          return;
        }
        const marker = ` … (${text.length} characters)`;
        expect(cut.endsWith(marker)).toBe(true);
        const kept = cut.slice(0, -marker.length);
        expect(kept.length).toBeLessThanOrEqual(max);
        expect(text.startsWith(kept)).toBe(true);
        // Inside a quoted value only at a space: a word is never cut in two.
        if (typeof value === 'object' && value !== null && endsInString(kept)) expect(text[kept.length]).toBe(' ');
      }),
    );
  });

  it('clips text that may itself be an excerpt between JSON values, with a bare ellipsis', () => {
    const body = '{"error":"Too Many Requests","reject_reason":"inflight_limit","retry":1}';
    expect(clip(body, 60)).toBe('{"error":"Too Many Requests", …');
    expect(clip(body, 65)).toBe('{"error":"Too Many Requests","reject_reason":"inflight_limit", …');
    expect(clip(body, 200)).toBe(body);
  });

  it('keeps the words of a long message rather than dropping the whole value', () => {
    const body = JSON.stringify({
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message:
          'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.',
      },
    });
    const cut = excerpt(body, 160);
    expect(cut).toContain('Your credit balance is too low');
    expect(cut).toMatch(/ … \(\d+ characters\)$/);
  });

  it('cuts prose at a space', () => {
    expect(excerpt('the upstream model servers are overloaded', 20)).toBe('the upstream model … (41 characters)');
  });
});

describe('durations as people say them', () => {
  it('keeps seconds while they matter', () => {
    expect([0, 14_400, 65_000, 3_600_000, 3_660_000, 90_000_000, 200_000_000].map(humanDuration)).toEqual([
      '0 s',
      '14 s',
      '1 min 5 s',
      '1 h',
      '1 h 1 min',
      '25 h',
      '2 d 7 h',
    ]);
  });
});
