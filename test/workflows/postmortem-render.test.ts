import { describe, expect, it } from 'vitest';
import type { Decision, ProbeResult, TimelineEntry } from '../../src/contract/index.ts';
import { renderPostmortem, type PostmortemInput } from '../../src/workflows/engine/postmortem.ts';

const at = (second: number) => new Date(Date.UTC(2026, 10, 25, 10, 0, second)).toISOString();
const failing = (probe: string): ProbeResult => ({
  probe,
  ok: false,
  httpStatus: 503,
  errorKind: null,
  latencyMs: 90,
  detail: '{"error":"Service Unavailable"}',
  billed: true,
  source: 'provider',
});
const round = (second: number): TimelineEntry[] =>
  ['legacy_generate', 'v3_generate'].map((probe) => ({
    at: at(second),
    kind: 'probe',
    message: `confirmation ${second}: ${probe}: FAIL HTTP 503 in 90 ms`,
    data: failing(probe),
  }));
const decision: Decision = {
  cause: 'provider_outage',
  severity: 'P1',
  rationale: 'Every generate endpoint fails (legacy_generate → HTTP 503): Ideogram outage. Enable fallback.',
  evidence: [],
};

const input = (more: Partial<PostmortemInput> = {}): PostmortemInput => ({
  title: 'Ideogram Integration',
  incidentId: 'incident-20261125-x',
  startedAt: at(0),
  endedAt: at(13),
  decision,
  causeSummary: 'Ideogram outage',
  summary: 'Fallback served placeholder images until the provider was healthy.',
  rootCause: null,
  timeline: [
    { at: at(0), kind: 'state', message: 'investigating: manual by rita' },
    ...round(2),
    ...round(4),
    ...round(6),
    { at: at(7), kind: 'decision', message: 'P1 provider_outage: …', data: decision },
  ],
  mutations: [],
  actionItems: ['[Fix] Review how long fallback was on', '[Prevention] Keep the fallback path tested'],
  owner: 'carol',
  state: 'resolved',
  ...more,
});

describe('the postmortem', () => {
  it('gives each header field its own line, with the real duration (seconds for a short incident)', () => {
    const md = renderPostmortem(input());
    expect(md).toContain(
      '## Incident: Ideogram Integration — provider outage\n\n- **Date:** 2026-11-25 10:00 UTC\n- **Duration:** 13 s\n- **Severity:** P1\n- **Incident:** incident-20261125-x\n',
    );
    expect(md).not.toMatch(/Duration:\*\* 0h 0m/);
    expect(renderPostmortem(input({ endedAt: '2026-11-25T10:32:05.000Z' }))).toContain('- **Duration:** 32 min 5 s\n');
    // A draft: the incident is still open.
    expect(renderPostmortem(input({ endedAt: null }))).toContain('- **Duration:** 7 s so far\n');
  });

  it('names the root cause by the cause, cites the decision as evidence, and a human root cause wins', () => {
    expect(renderPostmortem(input())).toContain(
      `### Root Cause\nIdeogram outage\n\n**Evidence:** ${decision.rationale}\n`,
    );
    expect(renderPostmortem(input({ rootCause: 'provider database failover' }))).toContain(
      '### Root Cause\nprovider database failover\n',
    );
  });

  it('lists action items as a plain list with their kind in words: no checkbox', () => {
    const md = renderPostmortem(input());
    expect(md).toContain(
      '### Action Items\n- **Fix:** Review how long fallback was on (owner: @carol, due: to be set)\n- **Prevention:** Keep the fallback path tested (owner: @carol, due: to be set)\n',
    );
    expect(md).not.toContain('[ ]');
  });

  it('summarises probe rounds on the timeline and folds identical ones with their count and span', () => {
    const md = renderPostmortem(input());
    expect(md).toContain('- 10:00 - Confirmation: legacy_generate, v3_generate: HTTP 503 (3 times, until 10:00)\n');
    expect(md).not.toContain('FAIL HTTP 503 in 90 ms');
  });
});
