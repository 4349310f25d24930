import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../src/contract/index.ts';
import { IDEOGRAM_PROBE_IDS as P, ideogramRunbook } from '../support/ideogram.ts';

const ideogram = ideogramRunbook();
const classifyIdeogram = (results: ProbeResult[]) => ideogram.classify(results);

const ok = (probe: string, over: Partial<ProbeResult> = {}): ProbeResult => ({
  probe,
  ok: true,
  httpStatus: probe === P.dns ? null : 200,
  errorKind: null,
  latencyMs: 800,
  detail: '',
  billed: false,
  source: 'provider',
  ...over,
});
const http = (probe: string, status: number) => ok(probe, { ok: status < 300, httpStatus: status });
const page = (indicator: string) => ok(P.statusPage, { extractedField: indicator });
const notRun = (probe: string, blocker = 'the worker cannot read env:IDEOGRAM_API_KEY') =>
  ok(probe, { ok: false, httpStatus: null, source: 'self', blocker, detail: `not run: ${blocker}` });

describe('decision table: evidence quality', () => {
  it('ignores probes that could not run: a real 500 outage with an unreadable key for one endpoint is still an outage', () => {
    const d = classifyIdeogram([http(P.legacy, 500), notRun(P.v3), notRun(P.latency), ok(P.dns), page('major')]);
    expect(d.cause).toBe('provider_outage');
    expect(d.corroboration!.join(' ')).toMatch(/not evidence .*v3_generate/);
  });

  it('never reads self evidence as a provider failure: only self results and a green page give no fault', () => {
    const d = classifyIdeogram([notRun(P.legacy), notRun(P.v3), notRun(P.latency), ok(P.dns), page('major')]);
    expect(d.cause).not.toBe('degraded_performance');
    expect(d.cause).toBe('healthy');
  });

  it('a green status page never overrules failing API answers (confidence drops, cause stays)', () => {
    const d = classifyIdeogram([http(P.legacy, 500), http(P.v3, 503), http(P.latency, 500), ok(P.dns), page('none')]);
    expect(d).toMatchObject({ cause: 'provider_outage', severity: 'P1', confidence: 'medium' });
    expect(d.corroboration!.join(' ')).toMatch(/updated by hand/);
  });

  it('a red status page never overrules succeeding API answers', () => {
    const d = classifyIdeogram([ok(P.legacy), ok(P.v3), ok(P.latency), ok(P.dns), page('critical')]);
    expect(d).toMatchObject({ cause: 'healthy', confidence: 'medium' });
  });

  it('a red status page corroborates an outage (high confidence) and raises a partial outage to P1', () => {
    expect(classifyIdeogram([http(P.legacy, 500), http(P.v3, 500), ok(P.dns), page('major')])).toMatchObject({
      cause: 'provider_outage',
      confidence: 'high',
    });
    const partial = classifyIdeogram([http(P.legacy, 500), ok(P.v3), ok(P.dns), page('major')]);
    expect(partial).toMatchObject({ cause: 'partial_outage', severity: 'P1' });
    expect(classifyIdeogram([http(P.legacy, 500), ok(P.v3), ok(P.dns), page('none')])).toMatchObject({
      cause: 'partial_outage',
      severity: 'P2',
    });
  });

  it('a failing DNS probe does not make it a DNS incident when the API answered over HTTP', () => {
    const d = classifyIdeogram([
      http(P.legacy, 500),
      http(P.v3, 500),
      ok(P.dns, { ok: false, errorKind: 'dns' }),
      page('major'),
    ]);
    expect(d.cause).toBe('provider_outage');
    expect(d.corroboration!.join(' ')).toMatch(/DNS is not what fails/);
    const dns = classifyIdeogram([
      ok(P.legacy, { ok: false, httpStatus: null, errorKind: 'timeout' }),
      ok(P.dns, { ok: false, errorKind: 'dns' }),
    ]);
    expect(dns.cause).toBe('network_dns');
  });

  it('a 200 with a broken body on every endpoint is an outage; on one endpoint a partial outage', () => {
    const bad = (probe: string) =>
      ok(probe, {
        ok: false,
        httpStatus: 200,
        errorKind: 'bad_body',
        detail: 'HTTP 200 with HTML page instead of JSON',
      });
    expect(classifyIdeogram([bad(P.legacy), bad(P.v3), ok(P.dns)]).cause).toBe('provider_outage');
    expect(classifyIdeogram([bad(P.legacy), ok(P.v3), ok(P.dns)]).cause).toBe('partial_outage');
  });

  it('results recorded before the source field existed still count as provider evidence', () => {
    const legacy = (probe: string, status: number): ProbeResult => ({
      probe,
      ok: false,
      httpStatus: status,
      errorKind: null,
      latencyMs: 5,
      detail: '',
      billed: true,
    });
    expect(classifyIdeogram([legacy(P.legacy, 401), legacy(P.v3, 401)]).cause).toBe('auth_failure');
  });
});
