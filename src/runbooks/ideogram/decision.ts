import { clip, type Decision, type ProbeResult, type Severity } from '../../contract/index.ts';
import { IDEOGRAM_PROBE_IDS as P } from './probes.ts';

export const IDEOGRAM_CAUSES = {
  auth_failure: { severity: 'P1', summary: 'Authentication failure (key revoked or misconfigured)' },
  credits_exhausted: { severity: 'P1', summary: 'Credits exhausted' },
  provider_outage: { severity: 'P1', summary: 'Ideogram outage' },
  network_dns: { severity: 'P1', summary: 'Network or DNS failure reaching the API' },
  rate_limited: { severity: 'P2', summary: 'Sustained rate limiting' },
  partial_outage: { severity: 'P2', summary: 'Partial outage (one endpoint failing)' },
  degraded_performance: { severity: 'P2', summary: 'Degraded performance (timeouts or high latency)' },
  safety_rejection: { severity: 'P3', summary: 'Safety filter rejections (prompt issue, not an outage)' },
  download_failure: { severity: 'P3', summary: 'Image downloads failing (URLs expired or unreachable)' },
  quality_regression: { severity: 'P3', summary: 'Degraded generation quality' },
  healthy: { severity: 'P4', summary: 'No fault found (false alarm)' },
} as const satisfies Record<string, { severity: Severity; summary: string }>;

export type IdeogramCause = keyof typeof IDEOGRAM_CAUSES;

export interface IdeogramThresholds {
  /** P95 generate latency above this is degraded performance (the runbook page: 30 s). */
  slowP95Ms: number;
}

export const DEFAULT_IDEOGRAM_THRESHOLDS: IdeogramThresholds = { slowP95Ms: 30_000 };

export interface ClassifyContext {
  thresholds?: Partial<IdeogramThresholds>;
  /** A human's report ("images look wrong") that probes cannot see. */
  reportedCause?: string;
}

const GENERATE = [P.legacy, P.v3, P.latency] as const;

function describe(r: ProbeResult): string {
  const detail = r.detail ? ` ${clip(r.detail, 60)}` : '';
  if (r.httpStatus !== null) return `${r.probe} → HTTP ${r.httpStatus}${detail}`;
  if (r.errorKind) return `${r.probe} → ${r.errorKind}${detail}`;
  return `${r.probe} → ${r.ok ? 'ok' : 'failed'}${detail}`;
}

function p95(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)]!;
}

function decision(cause: IdeogramCause, rationale: string, evidence: ProbeResult[]): Decision {
  return { cause, severity: IDEOGRAM_CAUSES[cause].severity, rationale, evidence: evidence.map(describe) };
}

const FAULT_INDICATORS = ['major', 'critical'];

/**
 * Corroboration: the status page and DNS can raise confidence (or the severity of a partial
 * outage the provider itself calls major), but never change the cause the API answers gave.
 */
function corroborate(d: Decision, f: Facts): Decision {
  const indicator = f.statusPage?.ok ? f.statusPage.extractedField : undefined;
  const notes: string[] = [];
  let { severity } = d;
  let confidence: Decision['confidence'] = 'high';
  const faulty = d.cause !== 'healthy' && d.cause !== 'safety_rejection' && d.cause !== 'quality_regression';
  if (indicator === undefined) {
    notes.push('status page unavailable: judged by the API answers alone');
    if (faulty) confidence = 'medium';
  } else if (faulty && indicator === 'none') {
    notes.push(
      'status page says all systems operational (it is updated by hand and often late): the API answers decide',
    );
    confidence = 'medium';
  } else if (!faulty && d.cause === 'healthy' && indicator !== 'none') {
    notes.push(`status page reports "${indicator}" but every real call succeeds: no fault on our path`);
    confidence = 'medium';
  } else if (faulty && FAULT_INDICATORS.includes(indicator)) {
    notes.push(`status page reports "${indicator}": corroborates`);
    if (d.cause === 'partial_outage' && severity !== 'P1') {
      severity = 'P1';
      notes.push('severity raised to P1: the provider itself reports a major outage');
    }
  }
  if (f.dnsProbeFailed && !f.dnsFailed)
    notes.push('our DNS probe failed, yet the API answered over HTTP: DNS is not what fails');
  if (f.unrunnable.length > 0)
    notes.push(
      `not evidence (could not run on our side): ${f.unrunnable.map((r) => `${r.probe} (${r.blocker ?? r.detail})`).join('; ')}`,
    );
  return { ...d, severity, confidence, corroboration: notes };
}

/** What the rules look at, computed once from a round of results (and the history for latency). */
interface Facts {
  results: ProbeResult[];
  /** Generate probes that actually ran (a skipped probe is no evidence either way). */
  generates: ProbeResult[];
  /** The two endpoints, legacy and V3. */
  apis: ProbeResult[];
  /** The path to the API is broken by name resolution (the API calls themselves say so, or nothing answered). */
  dnsFailed: boolean;
  dnsProbeFailed: boolean;
  statusPage: ProbeResult | undefined;
  /** Results that are evidence about us, not the provider: left out of every rule. */
  unrunnable: ProbeResult[];
  download: ProbeResult | undefined;
  latencySamples: number;
  latencyP95: number | null;
  thresholds: IdeogramThresholds;
  reportedCause: string | undefined;
  withStatus(...codes: number[]): ProbeResult[];
}

interface Match {
  rationale: string;
  evidence: ProbeResult[];
}

interface DecisionRow {
  cause: IdeogramCause;
  /** The row's condition, as the runbook page's decision tree states it. */
  when: string;
  match(f: Facts): Match | null;
}

/** Evidence in a sentence: `legacy_generate: HTTP 401 (...); v3_generate: HTTP 401 (...)`, kept short for Slack. */
const cite = (evidence: ProbeResult[]) => evidence.slice(0, 3).map(describe).join('; ') || 'no probe detail';
const serverFailure = (r: ProbeResult) =>
  (r.httpStatus !== null && r.httpStatus >= 500) || r.errorKind === 'reset' || r.errorKind === 'bad_body';
const connectFailure = (r: ProbeResult) => r.errorKind === 'connect' || r.errorKind === 'tls';
const nonEmpty = (evidence: ProbeResult[], rationale: (e: ProbeResult[]) => string): Match | null =>
  evidence.length > 0 ? { rationale: rationale(evidence), evidence } : null;

/**
 * The runbook page's decision tree (runbook-page.txt) as a table: rows in priority order, the first that matches wins, the
 * last always matches. DNS comes first because it explains every other failure; auth and credits
 * before outages because a 401/402 is certain while a 5xx may be ours.
 */
export const IDEOGRAM_DECISION_TABLE: readonly DecisionRow[] = [
  {
    cause: 'network_dns',
    when: 'a generate call fails with a DNS error, or the DNS probe fails and no generate call got any HTTP answer',
    match: (f) =>
      f.dnsFailed
        ? {
            rationale: `The API host does not resolve (${cite(f.results.filter((r) => r.errorKind === 'dns' || (r.probe === P.dns && !r.ok)))}), so no request reaches Ideogram. Check resolvers and egress.`,
            evidence: f.results.filter((r) => r.errorKind === 'dns' || r.probe === P.dns),
          }
        : null,
  },
  {
    cause: 'auth_failure',
    when: 'a generate probe answers 401 or 403',
    match: (f) =>
      nonEmpty(
        f.withStatus(401, 403),
        (e) =>
          `Ideogram rejects the API key (${cite(e)}): key revoked or misconfigured. Rotate it (see "Auth Failure").`,
      ),
  },
  {
    cause: 'credits_exhausted',
    when: 'a generate probe answers 402',
    match: (f) =>
      nonEmpty(
        f.withStatus(402),
        (e) => `Ideogram answers 402 (${cite(e)}): credits are exhausted. Top up immediately and pause batch jobs.`,
      ),
  },
  {
    cause: 'network_dns',
    when: 'every endpoint fails to connect (refused, unreachable, TLS) while DNS resolves',
    match: (f) => {
      const failures = f.apis.filter(connectFailure);
      return f.apis.length > 0 && failures.length === f.apis.length
        ? {
            rationale: `Connections to the API fail (${failures.map((r) => r.errorKind).join(', ')}) while DNS resolves: a network path problem.`,
            evidence: failures,
          }
        : null;
    },
  },
  {
    cause: 'provider_outage',
    when: 'every endpoint fails with 5xx, a reset or a broken body',
    match: (f) => {
      const failing = f.apis.filter(serverFailure);
      return f.apis.length > 0 && failing.length === f.apis.length
        ? {
            rationale: `Every generate endpoint fails (${failing.map(describe).join('; ')}): Ideogram outage. Enable fallback.`,
            evidence: [...failing, ...f.results.filter((r) => r.probe === P.statusPage)],
          }
        : null;
    },
  },
  {
    cause: 'partial_outage',
    when: 'one endpoint fails with 5xx while the other works',
    match: (f) => {
      const failing = f.apis.filter(serverFailure);
      const working = f.apis.filter((r) => r.ok);
      return failing.length > 0 && working.length > 0
        ? {
            rationale: `${cite(failing)} while ${working.map((r) => r.probe).join(', ')} works: partial outage. Route traffic to the working endpoint.`,
            evidence: f.apis,
          }
        : null;
    },
  },
  {
    cause: 'rate_limited',
    when: 'a generate probe answers 429',
    match: (f) => nonEmpty(f.withStatus(429), (e) => `Ideogram rate-limits us (${cite(e)}): reduce concurrency to 3.`),
  },
  {
    cause: 'degraded_performance',
    when: 'a generate probe times out while DNS resolves',
    match: (f) =>
      nonEmpty(
        f.generates.filter((r) => r.errorKind === 'timeout'),
        (e) =>
          `Generate calls time out (${e.map((r) => r.probe).join(', ')}) while DNS resolves: network or Ideogram performance issue.`,
      ),
  },
  {
    cause: 'degraded_performance',
    when: 'P95 latency of successful generate calls (this round and history) exceeds slowP95Ms',
    match: (f) =>
      f.latencyP95 !== null && f.latencyP95 > f.thresholds.slowP95Ms
        ? {
            rationale: `P95 generate latency is ${(f.latencyP95 / 1000).toFixed(1)} s over ${f.latencySamples} samples (threshold ${(f.thresholds.slowP95Ms / 1000).toFixed(1)} s).`,
            evidence: f.generates,
          }
        : null,
  },
  {
    cause: 'safety_rejection',
    when: 'a generate probe answers 422 (and nothing above matched)',
    match: (f) =>
      nonEmpty(
        f.withStatus(422),
        (e) => `Requests fail the safety filter (${cite(e)}): a prompt issue, not an outage. Review the prompts.`,
      ),
  },
  {
    cause: 'download_failure',
    when: 'generation works but downloading the returned image URL fails',
    match: (f) =>
      f.download && !f.download.ok && !f.download.detail.startsWith('skipped') && f.generates.some((r) => r.ok)
        ? {
            rationale: `Generation works but the image URL download fails (${describe(f.download)}): URLs may have expired.`,
            evidence: [f.download],
          }
        : null,
  },
  {
    cause: 'quality_regression',
    when: 'a human reports degraded quality (probes cannot see it)',
    match: (f) =>
      f.reportedCause === 'quality_regression'
        ? {
            rationale:
              'Probes are healthy but a human reports bad quality: check model version, style params and magic_prompt setting.',
            evidence: f.generates,
          }
        : null,
  },
  {
    cause: 'degraded_performance',
    when: 'a generate probe fails in a way no row above explains',
    match: (f) =>
      nonEmpty(
        f.generates.filter((r) => !r.ok),
        (e) => `Generate calls fail in unexpected ways (${e.map(describe).join('; ')}).`,
      ),
  },
  {
    cause: 'healthy',
    when: 'always (last row)',
    match: (f) => ({
      rationale: `All ${f.results.length} probes pass (status page: ${f.results.find((r) => r.probe === P.statusPage)?.extractedField ?? 'not checked'}): no provider fault found. Treat as a false alarm unless symptoms persist.`,
      evidence: f.results,
    }),
  },
];

const isProviderEvidence = (r: ProbeResult) => r.source !== 'self';

function gatherFacts(all: ProbeResult[], history: ProbeResult[][], context: ClassifyContext): Facts {
  const results = all.filter(isProviderEvidence);
  const byId = new Map(results.map((r) => [r.probe, r]));
  const generates = GENERATE.map((id) => byId.get(id)).filter(
    (r): r is ProbeResult => r !== undefined && !r.detail.startsWith('skipped'),
  );
  const apis = [byId.get(P.legacy), byId.get(P.v3)].filter((r): r is ProbeResult => r !== undefined);
  const dns = byId.get(P.dns);
  const dnsProbeFailed = dns !== undefined && !dns.ok;
  const samples = [...history.flat().filter(isProviderEvidence), ...results]
    .filter((r) => (GENERATE as readonly string[]).includes(r.probe) && r.ok)
    .map((r) => r.latencyMs);
  return {
    results,
    generates,
    apis,
    dnsFailed:
      generates.some((r) => r.errorKind === 'dns') || (dnsProbeFailed && !generates.some((r) => r.httpStatus !== null)),
    dnsProbeFailed,
    statusPage: byId.get(P.statusPage),
    unrunnable: all.filter((r) => !isProviderEvidence(r) && !r.detail.startsWith('skipped')),
    download: byId.get(P.download),
    latencySamples: samples.length,
    latencyP95: p95(samples),
    thresholds: { ...DEFAULT_IDEOGRAM_THRESHOLDS, ...context.thresholds },
    reportedCause: context.reportedCause,
    withStatus: (...codes) => generates.filter((r) => r.httpStatus !== null && codes.includes(r.httpStatus)),
  };
}

/**
 * Classifies one triage round with `IDEOGRAM_DECISION_TABLE`. Pure and total: any set of results
 * (even empty or nonsensical) yields a known cause.
 */
export function classifyIdeogram(
  results: ProbeResult[],
  history: ProbeResult[][] = [],
  context: ClassifyContext = {},
): Decision {
  const facts = gatherFacts(results, history, context);
  for (const row of IDEOGRAM_DECISION_TABLE) {
    const match = row.match(facts);
    if (match) return corroborate(decision(row.cause, match.rationale, match.evidence), facts);
  }
  // Unreachable: the last row always matches. Kept so the function stays total if rows change.
  return decision('healthy', 'No rule matched the probe results.', results);
}
