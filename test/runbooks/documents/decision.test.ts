import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../../src/contract/index.ts';
import { classifyByDocument } from '../../../src/runbooks/documents/decision.ts';
import type { RunbookDocument } from '../../../src/runbooks/documents/schema.ts';
import { validateRunbookDocument } from '../../../src/runbooks/documents/validate.ts';
import { anthropicDocument } from './support.ts';

const validated = validateRunbookDocument(anthropicDocument());
if (!validated.ok) throw new Error('the Anthropic document is invalid');
const doc: RunbookDocument = validated.document;

const ok = (probe: string, over: Partial<ProbeResult> = {}): ProbeResult => ({
  probe,
  ok: true,
  httpStatus: probe === 'dns' ? null : 200,
  errorKind: null,
  latencyMs: 300,
  detail: '',
  billed: false,
  ...over,
});
const http = (probe: string, status: number, detail = ''): ProbeResult =>
  ok(probe, { ok: status < 300, httpStatus: status, detail });
const transport = (probe: string, errorKind: ProbeResult['errorKind']): ProbeResult =>
  ok(probe, { ok: false, httpStatus: null, errorKind });
/** A healthy round; a changed `messages` result changes the timing probe that reads it too. */
function round(page = 'none', ...changes: ProbeResult[]): ProbeResult[] {
  const base = [
    ok('list_models'),
    ok('messages'),
    ok('latency'),
    ok('dns'),
    ok('status_page', { extractedField: page }),
  ];
  return base.map((r) => {
    const change =
      changes.find((c) => c.probe === r.probe) ??
      (r.probe === 'latency' ? changes.find((c) => c.probe === 'messages') : undefined);
    return change ? { ...change, probe: r.probe } : r;
  });
}
const OVERLOADED = '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}';
const CREDITS =
  '{"type":"error","error":{"type":"invalid_request_error","message":"Your credit balance is too low to access the Anthropic API."}}';

describe('the Anthropic document decision table', () => {
  it.each<[string, ProbeResult[], string, string, string]>([
    [
      '401 on both calls',
      round('none', http('list_models', 401), http('messages', 401)),
      'key-rejected',
      'auth_failure',
      'P1',
    ],
    ['403 on messages only', round('none', http('messages', 403)), 'key-rejected', 'auth_failure', 'P1'],
    ['400 credit balance too low', round('none', http('messages', 400, CREDITS)), 'credits', 'credits_exhausted', 'P1'],
    [
      '400 for another reason',
      round(
        'none',
        http(
          'messages',
          400,
          '{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: Field required"}}',
        ),
      ),
      'unexplained',
      'degraded_performance',
      'P3',
    ],
    ['429 rate_limit_error', round('none', http('messages', 429)), 'rate-limit', 'rate_limited', 'P2'],
    ['529 overloaded_error', round('minor', http('messages', 529, OVERLOADED)), 'overloaded', 'overloaded', 'P2'],
    ['500 api_error', round('major', http('messages', 500)), 'server-errors', 'provider_outage', 'P1'],
    ['a reset connection', round('none', transport('messages', 'reset')), 'server-errors', 'provider_outage', 'P1'],
    [
      'the host does not resolve',
      round('none', transport('list_models', 'dns'), transport('messages', 'dns'), transport('dns', 'dns')),
      'dns-error',
      'network_dns',
      'P1',
    ],
    [
      'connection refused everywhere',
      round('none', transport('list_models', 'connect'), transport('messages', 'connect')),
      'unreachable',
      'network_dns',
      'P1',
    ],
    ['slow answers', round('none', ok('messages', { latencyMs: 25_000 })), 'slow', 'degraded_performance', 'P3'],
    ['timeouts', round('none', transport('messages', 'timeout')), 'timeout', 'degraded_performance', 'P3'],
    ['all fine', round(), 'healthy', 'healthy', 'P4'],
  ])('%s → rule %s: %s (%s)', (_name, results, rule, cause, severity) => {
    expect(classifyByDocument(doc, results)).toMatchObject({ rule, cause, severity });
  });

  it('a threshold a drill scales overrides the document default', () => {
    const results = round('none', ok('messages', { latencyMs: 5_000 }));
    expect(classifyByDocument(doc, results).cause).toBe('healthy');
    expect(classifyByDocument(doc, results, [], { thresholds: { slowMs: 2_000 } })).toMatchObject({
      rule: 'slow',
      cause: 'degraded_performance',
    });
  });

  it('cites the evidence in the rationale; the status page corroborates but never decides', () => {
    const corroborated = classifyByDocument(doc, round('minor', http('messages', 529, OVERLOADED)));
    expect(corroborated.rationale).toContain('messages → HTTP 529');
    expect(corroborated).toMatchObject({ confidence: 'high' });
    const contradicted = classifyByDocument(doc, round('none', http('messages', 529, OVERLOADED)));
    expect(contradicted).toMatchObject({ cause: 'overloaded', confidence: 'medium' });
  });

  it('a probe that could not run on our side says nothing about the provider', () => {
    const blocked = round(
      'none',
      ok('messages', {
        ok: false,
        httpStatus: null,
        source: 'self',
        detail: 'secret unreadable',
        blocker: 'secret unreadable',
      }),
    );
    expect(classifyByDocument(doc, blocked).cause).toBe('healthy');
  });

  it('a body with `$` in it is quoted as it is in the rationale, never read as a replacement pattern', () => {
    const decision = classifyByDocument(doc, round('none', http('messages', 529, 'cost $` and $& and $1')));
    expect(decision.rationale).toContain('messages → HTTP 529 cost $` and $& and $1');
  });
});

describe('document conditions: either and cite', () => {
  const custom = (decision: unknown[]): RunbookDocument => {
    const raw = anthropicDocument();
    raw.decision = decision;
    const checked = validateRunbookDocument(raw);
    if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
    return checked.document;
  };
  const healthyRule = { id: 'healthy', when: { always: true }, cause: 'healthy', rationale: 'fine' };

  it('either: a result holds when it shows one of the alternatives; with every, all results must', () => {
    const table = custom([
      {
        id: 'all-broken',
        when: { probes: ['messages', 'list_models'], every: true, either: [{ status: ['5xx'] }, { fault: ['reset'] }] },
        cause: 'provider_outage',
        rationale: 'broken ({evidence})',
      },
      healthyRule,
    ]);
    expect(
      classifyByDocument(table, round('none', http('messages', 503), transport('list_models', 'reset'))).rule,
    ).toBe('all-broken');
    expect(classifyByDocument(table, round('none', http('messages', 503), http('list_models', 401))).rule).toBe(
      'healthy',
    );
  });

  it('cite: the rationale quotes the results cite selects, in round order, not those the condition matched', () => {
    const table = custom([
      {
        id: 'dns',
        when: { probes: ['messages'], fault: ['dns'] },
        cite: [{ probes: ['dns'] }, { fault: ['dns'] }],
        cause: 'network_dns',
        rationale: 'unresolved ({evidence})',
      },
      healthyRule,
    ]);
    const decision = classifyByDocument(table, round('none', transport('messages', 'dns')));
    expect(decision.evidence).toEqual(['messages → dns', 'latency → dns', 'dns → ok']);
    expect(decision.rationale).toBe('unresolved (messages → dns; latency → dns; dns → ok)');
  });
});
