import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ProbeResult } from '../../../src/contract/index.ts';
import { classifyByDocument } from '../../../src/runbooks/documents/decision.ts';
import type { RunbookDocument } from '../../../src/runbooks/documents/schema.ts';
import { validateRunbookDocument } from '../../../src/runbooks/documents/validate.ts';
import { compileRunbookDocument } from '../../../src/runbooks/documents/compile.ts';
import { classifyIdeogram } from '../../../src/runbooks/ideogram/decision.ts';
import { ideogramRunbook } from '../../../src/runbooks/ideogram/definition.ts';

/**
 * The Ideogram decision table written as a document (runbook.yaml) decides as the TypeScript
 * table does: cause, severity, rationale, evidence, confidence and corroboration notes.
 */
const checked = validateRunbookDocument(parse(readFileSync(new URL('./runbook.yaml', import.meta.url), 'utf8')));
if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
const doc: RunbookDocument = checked.document;

const IDS = ['legacy_generate', 'v3_generate', 'dns', 'latency', 'download', 'status_page'];
const result = (probe: string) =>
  fc.record({
    probe: fc.constant(probe),
    ok: fc.boolean(),
    httpStatus: fc.option(fc.constantFrom(200, 401, 402, 403, 422, 429, 500, 503, 404), { nil: null }),
    errorKind: fc.option(fc.constantFrom('timeout', 'dns', 'connect', 'reset', 'tls', 'bad_body' as const), {
      nil: null,
    }),
    latencyMs: fc.nat({ max: 90_000 }),
    detail: fc.oneof(fc.constant(''), fc.string({ maxLength: 90 }), fc.constant('skipped: no image URL')),
    billed: fc.boolean(),
    source: fc.option(fc.constantFrom('provider', 'self' as const), { nil: undefined }),
    blocker: fc.option(fc.constant('the worker cannot read env:IDEOGRAM_API_KEY'), { nil: undefined }),
    extractedField: fc.option(fc.constantFrom('none', 'minor', 'major', 'critical'), { nil: undefined }),
  });
/** A round as the engine records it: each probe at most once, in the triage order; a skipped probe ran on our side. */
const round = fc.tuple(...IDS.map((id) => fc.option(result(id), { nil: undefined }))).map(
  (rs) =>
    rs
      .filter((r) => r !== undefined)
      .map((r) => (r.ok ? { ...r, errorKind: null } : r))
      .map((r) => (r.detail.startsWith('skipped') ? { ...r, source: 'self' as const } : r)) as ProbeResult[],
);

describe('the Ideogram decision table as a document', () => {
  it('decides as the TypeScript table over 10,000 random rounds, histories and reports', () => {
    const rules = new Set<string>();
    const notes = new Set<string>();
    fc.assert(
      fc.property(
        round,
        fc.array(round, { maxLength: 3 }),
        fc.option(fc.constantFrom('quality_regression', 'auth_failure'), { nil: undefined }),
        fc.option(fc.constantFrom(20_000, 30_000, 60_000), { nil: undefined }),
        (results, history, reportedCause, slowP95Ms) => {
          const context = { reportedCause, ...(slowP95Ms ? { thresholds: { slowP95Ms } } : {}) };
          const expected = classifyIdeogram(results, history, context);
          const { rule, ...decided } = classifyByDocument(doc, results, history, context);
          // Evidence for a DNS failure leaves out a DNS probe that resolved (the rationale never cited it).
          const resolved = results.some((r) => r.probe === 'dns' && r.ok && r.source !== 'self');
          if (rule === 'dns' && resolved) expected.evidence = expected.evidence.filter((e) => !e.startsWith('dns → '));
          expect(decided).toEqual(expected);
          rules.add(rule);
          for (const note of decided.corroboration ?? []) notes.add(note.split(':')[0]!.split('"')[0]!);
        },
      ),
      { numRuns: 10_000 },
    );
    // Every rule and every kind of corroboration note was exercised.
    expect([...rules].sort()).toEqual(doc.decision.map((r) => r.id).sort());
    expect([...notes].sort()).toEqual([
      'not evidence (could not run on our side)',
      'our DNS probe failed, yet the API answered over HTTP',
      'severity raised to P1',
      'status page reports ',
      'status page says all systems operational (it is updated by hand and often late)',
      'status page unavailable',
    ]);
  });

  it("has the compiled runbook's causes, templates, probes, evidence and settings", () => {
    const compiled = compileRunbookDocument(doc);
    const templates = (r: typeof compiled) =>
      Object.fromEntries(Object.entries(r.causes).map(([id, { remediate: _plan, ...c }]) => [id, c]));
    expect(templates(compiled)).toEqual(templates(ideogramRunbook));
    const { authHeader: _header, ...legacy } = ideogramRunbook.triageProbes[0]! as { authHeader?: string };
    expect(compiled.triageProbes[0]).toEqual({ ...legacy, auth: { header: 'Api-Key' } });
    expect(compiled.triageProbes.map((p) => [p.id, p.kind, p.description])).toEqual(
      ideogramRunbook.triageProbes.map((p) => [p.id, p.kind, p.description]),
    );
    expect(compiled.evidence.real.map((p) => p.description)).toEqual(
      ideogramRunbook.evidence.real.map((p) => p.description),
    );
    expect(compiled.defaultService).toEqual(ideogramRunbook.defaultService);
    const config = {
      RUNBOOK_K8S_SECRET: 'img-secrets',
      RUNBOOK_BATCH_SELECTOR: 'team=img',
      RUNBOOK_AUTO_APPROVE_P1_FALLBACK: false,
    };
    expect(compiled.settings.fromConfig(config)).toEqual(ideogramRunbook.settings.fromConfig(config));
    const service = { ...ideogramRunbook.defaultService, settings: { secretName: 's', batchSelector: 'a=b' } };
    expect(compiled.settings.ownObjects(service)).toEqual(ideogramRunbook.settings.ownObjects(service));
    expect(compiled.settings.validate({ secretNme: 'x' })).toEqual(
      ideogramRunbook.settings.validate({ secretNme: 'x' }),
    );
  });
});
