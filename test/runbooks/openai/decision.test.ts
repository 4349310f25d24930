import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../../src/contract/index.ts';
import { classifyByDocument } from '../../../src/runbooks/documents/decision.ts';
import type { RunbookDocument } from '../../../src/runbooks/documents/schema.ts';
import { readRunbookDocumentFile } from '../../../src/worker/runbook-documents.ts';

/** The OpenAI runbook is a document (src/runbooks/openai/runbook.yaml): its decision table, as the engine runs it. */
const reading = readRunbookDocumentFile(new URL('../../../src/runbooks/openai/runbook.yaml', import.meta.url).pathname);
if (!reading.ok) throw new Error('the OpenAI document is invalid');
const doc = reading.pin.document as RunbookDocument;
const classifyOpenAi = (results: ProbeResult[]) => classifyByDocument(doc, results);
const OPENAI_CAUSES = doc.causes;
const P = {
  models: 'list_models',
  chat: 'chat_completion',
  images: 'image_generation',
  dns: 'dns',
  statusPage: 'status_page',
} as const;

const ok = (probe: string, over: Partial<ProbeResult> = {}): ProbeResult => ({
  probe,
  ok: true,
  httpStatus: probe === P.dns ? null : 200,
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
const healthy = (page = 'none'): ProbeResult[] => [
  ok(P.models),
  ok(P.chat),
  ok(P.images),
  ok(P.dns),
  ok(P.statusPage, { extractedField: page }),
];
const replace = (results: ProbeResult[], ...changes: ProbeResult[]) =>
  results.map((r) => changes.find((c) => c.probe === r.probe) ?? r);
const QUOTA =
  '{"error":{"message":"You exceeded your current quota.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}';
const LIMIT =
  '{"error":{"message":"Rate limit reached for requests.","type":"requests","param":null,"code":"rate_limit_exceeded"}}';

describe('OpenAI decision table: one row per case', () => {
  const rows: Array<[string, ProbeResult[], string, string]> = [
    [
      '401 everywhere',
      replace(healthy(), http(P.models, 401), http(P.chat, 401), http(P.images, 401)),
      'auth_failure',
      'P1',
    ],
    ['403 on one endpoint (no access to the model)', replace(healthy(), http(P.images, 403)), 'auth_failure', 'P1'],
    [
      '429 insufficient_quota',
      replace(healthy(), http(P.chat, 429, QUOTA), http(P.images, 429, QUOTA)),
      'quota_exhausted',
      'P1',
    ],
    [
      '429 rate_limit_exceeded',
      replace(healthy(), http(P.chat, 429, LIMIT), http(P.images, 429, LIMIT)),
      'rate_limited',
      'P2',
    ],
    [
      '500 on chat and images',
      replace(healthy('major'), http(P.chat, 500), http(P.images, 500)),
      'provider_outage',
      'P1',
    ],
    ['503 and a reset', replace(healthy(), http(P.chat, 503), transport(P.images, 'reset')), 'provider_outage', 'P1'],
    ['images down, chat up', replace(healthy(), http(P.images, 502)), 'partial_outage', 'P2'],
    [
      'DNS fails',
      replace(
        healthy(),
        transport(P.dns, 'dns'),
        transport(P.models, 'dns'),
        transport(P.chat, 'dns'),
        transport(P.images, 'dns'),
      ),
      'network_dns',
      'P1',
    ],
    [
      'connection refused, DNS fine',
      replace(healthy(), transport(P.chat, 'connect'), transport(P.images, 'connect')),
      'network_dns',
      'P1',
    ],
    [
      'timeouts',
      replace(healthy(), transport(P.chat, 'timeout'), transport(P.images, 'timeout')),
      'degraded_performance',
      'P2',
    ],
    ['all fine', healthy(), 'healthy', 'P4'],
  ];
  it.each(rows)('%s', (_name, results, cause, severity) => {
    const decision = classifyOpenAi(results);
    expect(decision).toMatchObject({ cause, severity });
    expect(decision.evidence.length).toBeGreaterThan(0);
  });

  it('quota beats rate limit: one insufficient_quota answer is enough', () => {
    expect(classifyOpenAi(replace(healthy(), http(P.chat, 429, LIMIT), http(P.images, 429, QUOTA))).cause).toBe(
      'quota_exhausted',
    );
  });

  it('results that are evidence about us (self) are left out: a key we cannot read is no provider fault', () => {
    const self = { source: 'self' as const, blocker: 'the worker cannot read env:OPENAI_API_KEY' };
    expect(classifyOpenAi(replace(healthy(), ok(P.images, { ok: false, httpStatus: null, ...self }))).cause).toBe(
      'healthy',
    );
    expect(classifyOpenAi(replace(healthy(), ok(P.images, { ok: false, httpStatus: null }))).cause).toBe(
      'degraded_performance',
    );
  });

  it('the status page corroborates but never changes the cause', () => {
    const outage = replace(healthy('none'), http(P.chat, 500), http(P.images, 500));
    expect(classifyOpenAi(outage)).toMatchObject({ cause: 'provider_outage', confidence: 'medium' });
    expect(classifyOpenAi(replace(outage, ok(P.statusPage, { extractedField: 'major' })))).toMatchObject({
      cause: 'provider_outage',
      confidence: 'high',
    });
    expect(classifyOpenAi(healthy('major'))).toMatchObject({ cause: 'healthy', confidence: 'medium' });
  });
});

describe('OpenAI decision table: shape and totality', () => {
  it('has a rule for every cause, each with its rationale, and ends with the always-matching healthy rule', () => {
    const causes = doc.decision.map((rule) => rule.cause);
    expect([...new Set(causes)].sort()).toEqual(Object.keys(OPENAI_CAUSES).sort());
    expect(doc.decision.filter((rule) => rule.rationale.length < 10)).toEqual([]);
    expect([causes.at(-1), doc.decision.at(-1)!.when, classifyOpenAi([]).cause]).toEqual([
      'healthy',
      { always: true },
      'healthy',
    ]);
  });

  it('never throws and always returns a known cause with its severity (1,000 random result sets)', () => {
    const status = fc.option(fc.integer({ min: 100, max: 599 }), { nil: null });
    const errorKind = fc.option(fc.constantFrom('timeout', 'dns', 'connect', 'reset', 'tls', 'bad_body' as const), {
      nil: null,
    });
    const page = fc.option(fc.constantFrom('none', 'minor', 'major', 'critical'), { nil: undefined });
    const source = fc.option(fc.constantFrom('provider', 'self' as const), { nil: undefined });
    const detail = fc.oneof(fc.string({ maxLength: 80 }), fc.constant(QUOTA));
    const probe = fc.oneof(fc.constantFrom(...Object.values(P)), fc.string());
    const result = fc.record({
      probe,
      ok: fc.boolean(),
      httpStatus: status,
      errorKind,
      latencyMs: fc.nat({ max: 120_000 }),
      detail,
      billed: fc.boolean(),
      source,
      extractedField: page,
    });
    fc.assert(
      fc.property(fc.array(result, { maxLength: 8 }), (results) => {
        const decision = classifyOpenAi(results as ProbeResult[]);
        const known = OPENAI_CAUSES[decision.cause];
        expect(known).toBeDefined();
        expect(decision.severity).toBe(known!.severity);
      }),
      { numRuns: 1_000 },
    );
  });
});
