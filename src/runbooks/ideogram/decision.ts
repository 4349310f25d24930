import type { Decision, ProbeResult, Severity } from '../../contract/index.ts';
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
  /** P95 generate latency above this is degraded performance (the seed: 30 s). */
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
  if (r.httpStatus !== null) return `${r.probe}: HTTP ${r.httpStatus}${r.detail ? ` (${r.detail.slice(0, 60)})` : ''}`;
  if (r.errorKind) return `${r.probe}: ${r.errorKind}${r.detail ? ` (${r.detail.slice(0, 60)})` : ''}`;
  return `${r.probe}: ${r.ok ? 'ok' : 'failed'} ${r.detail.slice(0, 60)}`.trim();
}

function p95(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)]!;
}

function decision(cause: IdeogramCause, rationale: string, evidence: ProbeResult[]): Decision {
  return { cause, severity: IDEOGRAM_CAUSES[cause].severity, rationale, evidence: evidence.map(describe) };
}

/**
 * The seed's decision tree as a table, first matching row wins. Pure and total: any set of
 * results (even empty or nonsensical) yields a known cause.
 */
export function classifyIdeogram(results: ProbeResult[], history: ProbeResult[][] = [], context: ClassifyContext = {}): Decision {
  const thresholds = { ...DEFAULT_IDEOGRAM_THRESHOLDS, ...context.thresholds };
  const byId = new Map(results.map((r) => [r.probe, r]));
  const generates = GENERATE.map((id) => byId.get(id)).filter((r): r is ProbeResult => r !== undefined && !r.detail.startsWith('skipped'));
  const apis = [byId.get(P.legacy), byId.get(P.v3)].filter((r): r is ProbeResult => r !== undefined);
  const withStatus = (...codes: number[]) => generates.filter((r) => r.httpStatus !== null && codes.includes(r.httpStatus));
  const serverFailure = (r: ProbeResult) => (r.httpStatus !== null && r.httpStatus >= 500) || r.errorKind === 'reset' || r.errorKind === 'bad_body';
  const dns = byId.get(P.dns);
  const dnsFailed = (dns !== undefined && !dns.ok) || results.some((r) => r.errorKind === 'dns');

  if (dnsFailed) {
    const evidence = results.filter((r) => r.errorKind === 'dns' || r.probe === P.dns);
    return decision('network_dns', 'The API host does not resolve: DNS lookups fail, so no request reaches Ideogram. Check resolvers and egress.', evidence);
  }
  const auth = withStatus(401, 403);
  if (auth.length > 0) {
    return decision('auth_failure', `Ideogram rejects the API key (HTTP ${auth[0]!.httpStatus}): key revoked or misconfigured. Rotate it (see "Auth Failure").`, auth);
  }
  const credits = withStatus(402);
  if (credits.length > 0) return decision('credits_exhausted', 'Ideogram answers 402: credits are exhausted. Top up immediately and pause batch jobs.', credits);

  const failingApis = apis.filter(serverFailure);
  const connectFailures = apis.filter((r) => r.errorKind === 'connect' || r.errorKind === 'tls');
  if (apis.length > 0 && connectFailures.length === apis.length) {
    return decision('network_dns', `Connections to the API fail (${connectFailures.map((r) => r.errorKind).join(', ')}) while DNS resolves: a network path problem.`, connectFailures);
  }
  if (apis.length > 0 && failingApis.length === apis.length) {
    return decision('provider_outage', `Every generate endpoint fails (${failingApis.map(describe).join('; ')}): Ideogram outage. Enable fallback.`, [...failingApis, ...results.filter((r) => r.probe === P.statusPage)]);
  }
  if (failingApis.length > 0 && apis.some((r) => r.ok)) {
    return decision('partial_outage', `${failingApis.map((r) => r.probe).join(', ')} fails while ${apis.filter((r) => r.ok).map((r) => r.probe).join(', ')} works: partial outage.`, apis);
  }
  const limited = withStatus(429);
  if (limited.length > 0) return decision('rate_limited', 'Ideogram answers 429 (rate limited): reduce concurrency to 3.', limited);

  const timeouts = generates.filter((r) => r.errorKind === 'timeout');
  if (timeouts.length > 0) {
    return decision('degraded_performance', `Generate calls time out (${timeouts.map((r) => r.probe).join(', ')}) while DNS resolves: network or Ideogram performance issue.`, timeouts);
  }
  const samples = [...history.flat(), ...results].filter((r) => (GENERATE as readonly string[]).includes(r.probe) && r.ok).map((r) => r.latencyMs);
  const latencyP95 = p95(samples);
  if (latencyP95 !== null && latencyP95 > thresholds.slowP95Ms) {
    return decision(
      'degraded_performance',
      `P95 generate latency is ${(latencyP95 / 1000).toFixed(1)} s over ${samples.length} samples (threshold ${(thresholds.slowP95Ms / 1000).toFixed(0)} s).`,
      generates,
    );
  }
  const safety = withStatus(422);
  if (safety.length > 0) return decision('safety_rejection', 'Requests fail the safety filter (HTTP 422): a prompt issue, not an outage. Review the prompts.', safety);

  const download = byId.get(P.download);
  if (download && !download.ok && !download.detail.startsWith('skipped') && generates.some((r) => r.ok)) {
    return decision('download_failure', `Generation works but the image URL download fails (${describe(download)}): URLs may have expired.`, [download]);
  }
  if (context.reportedCause === 'quality_regression') {
    return decision('quality_regression', 'Probes are healthy but a human reports bad quality: check model version, style params and magic_prompt setting.', generates);
  }
  const otherFailures = generates.filter((r) => !r.ok);
  if (otherFailures.length > 0) {
    return decision('degraded_performance', `Generate calls fail in unexpected ways (${otherFailures.map(describe).join('; ')}).`, otherFailures);
  }
  return decision('healthy', 'All probes pass: no provider fault found. Treat as a false alarm unless symptoms persist.', results);
}

/** Monitoring: is the provider healthy again by this one re-check? */
export function ideogramRecovered(result: ProbeResult): boolean {
  if (result.probe === P.statusPage) return result.ok && result.extractedField === 'none';
  return result.ok;
}
