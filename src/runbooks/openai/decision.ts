/** The OpenAI-compatible API decision table: pure and total (any results yield a known cause). */
import { clip, type Decision, type ProbeResult, type Severity } from '../../contract/index.ts';
import { OPENAI_PROBE_IDS as P } from './probes.ts';

const cause = (severity: Severity, summary: string) => ({ severity, summary });

export const OPENAI_CAUSES = {
  network_dns: cause('P1', 'Network or DNS failure reaching the API'),
  auth_failure: cause('P1', 'Authentication failure (key revoked, wrong or without access)'),
  quota_exhausted: cause('P1', 'Quota exhausted (insufficient_quota)'),
  provider_outage: cause('P1', 'Provider outage'),
  partial_outage: cause('P2', 'Partial outage (one endpoint failing)'),
  rate_limited: cause('P2', 'Sustained rate limiting'),
  degraded_performance: cause('P2', 'Degraded performance (timeouts)'),
  healthy: cause('P4', 'No fault found (false alarm)'),
};

export type OpenAiCause = keyof typeof OPENAI_CAUSES;

/** What the rules look at: provider evidence only (a probe that could not run on our side says nothing). */
interface Facts {
  results: ProbeResult[];
  /** The billed endpoints and the models list: every answer from the API itself. */
  calls: ProbeResult[];
  /** Chat and images: the endpoints users depend on. */
  apis: ProbeResult[];
  dnsFailed: boolean;
}

interface Row {
  cause: OpenAiCause;
  when: string;
  match(f: Facts): ProbeResult[] | null;
}

const describe = (r: ProbeResult) =>
  `${r.probe} → ${r.httpStatus !== null ? `HTTP ${r.httpStatus}` : (r.errorKind ?? (r.ok ? 'ok' : 'failed'))}${r.detail ? ` ${clip(r.detail, 60)}` : ''}`;
const status = (f: Facts, ...codes: number[]) =>
  f.calls.filter((r) => r.httpStatus !== null && codes.includes(r.httpStatus));
const quota = (r: ProbeResult) => r.httpStatus === 429 && r.detail.includes('insufficient_quota');
const serverFailure = (r: ProbeResult) =>
  (r.httpStatus !== null && r.httpStatus >= 500) || r.errorKind === 'reset' || r.errorKind === 'bad_body';
const some = (rs: ProbeResult[]) => (rs.length > 0 ? rs : null);
const all = (rs: ProbeResult[], pred: (r: ProbeResult) => boolean) => (rs.length > 0 && rs.every(pred) ? rs : null);

/** Rows in priority order; the first that matches wins and the last always matches. */
export const OPENAI_DECISION_TABLE: readonly Row[] = [
  {
    cause: 'network_dns',
    when: 'an API call fails with a DNS error, or the DNS probe fails and nothing got an HTTP answer',
    match: (f) => (f.dnsFailed ? f.results.filter((r) => r.errorKind === 'dns' || r.probe === P.dns) : null),
  },
  { cause: 'auth_failure', when: 'a call answers 401 or 403', match: (f) => some(status(f, 401, 403)) },
  {
    cause: 'quota_exhausted',
    when: 'a call answers 429 with insufficient_quota',
    match: (f) => some(f.calls.filter(quota)),
  },
  {
    cause: 'network_dns',
    when: 'every endpoint fails to connect (refused, unreachable, TLS)',
    match: (f) => all(f.apis, (r) => r.errorKind === 'connect' || r.errorKind === 'tls'),
  },
  {
    cause: 'provider_outage',
    when: 'every endpoint fails with 5xx, a reset or a broken body',
    match: (f) => all(f.apis, serverFailure),
  },
  {
    cause: 'partial_outage',
    when: 'one endpoint fails with 5xx while another works',
    match: (f) => (f.apis.some(serverFailure) && f.apis.some((r) => r.ok) ? f.apis : null),
  },
  { cause: 'rate_limited', when: 'a call answers 429 (rate limit, not quota)', match: (f) => some(status(f, 429)) },
  {
    cause: 'degraded_performance',
    when: 'a call times out',
    match: (f) => some(f.calls.filter((r) => r.errorKind === 'timeout')),
  },
  {
    cause: 'degraded_performance',
    when: 'a call fails in a way no row above explains',
    match: (f) => some(f.apis.filter((r) => !r.ok)),
  },
  { cause: 'healthy', when: 'always (last row)', match: (f) => f.results },
];

const RATIONALE: Record<OpenAiCause, (e: string) => string> = {
  network_dns: (e) => `The API cannot be reached from our network (${e}). Check resolvers and egress.`,
  auth_failure: (e) => `The API rejects the key (${e}): rotate it.`,
  quota_exhausted: (e) =>
    `The API answers 429 insufficient_quota (${e}): the account's quota or credit is spent. Raise it; pause batch jobs.`,
  provider_outage: (e) => `Every endpoint fails (${e}): provider outage. Enable fallback.`,
  partial_outage: (e) => `One endpoint fails while another works (${e}): partial outage.`,
  rate_limited: (e) => `The API rate-limits us (${e}): reduce concurrency.`,
  degraded_performance: (e) => `Calls time out or fail unexpectedly (${e}).`,
  healthy: () => 'Every probe passes: no provider fault found. Treat as a false alarm unless symptoms persist.',
};

function gatherFacts(all: ProbeResult[]): Facts {
  const results = all.filter((r) => r.source !== 'self' && !r.detail.startsWith('skipped'));
  const byId = new Map(results.map((r) => [r.probe, r]));
  const calls = [P.models, P.chat, P.images].map((id) => byId.get(id)).filter((r): r is ProbeResult => r !== undefined);
  const dns = byId.get(P.dns);
  const dnsFailed =
    calls.some((r) => r.errorKind === 'dns') ||
    (dns !== undefined && !dns.ok && !calls.some((r) => r.httpStatus !== null));
  return { results, calls, apis: calls.filter((r) => r.probe !== P.models), dnsFailed };
}

/** The status page corroborates (confidence), never changes the cause the API answers gave. */
function confidence(cause: OpenAiCause, results: ProbeResult[]): Pick<Decision, 'confidence' | 'corroboration'> {
  const page = results.find((r) => r.probe === P.statusPage && r.ok && r.source !== 'self')?.extractedField;
  if (page === undefined)
    return { confidence: 'medium', corroboration: ['status page unavailable: judged by the API answers alone'] };
  const faulty = cause !== 'healthy';
  if (faulty === (page !== 'none'))
    return { confidence: 'high', corroboration: [`status page reports "${page}": corroborates`] };
  return { confidence: 'medium', corroboration: [`status page reports "${page}": the API answers decide`] };
}

export function classifyOpenAi(results: ProbeResult[]): Decision {
  const facts = gatherFacts(results);
  for (const row of OPENAI_DECISION_TABLE) {
    const evidence = row.match(facts);
    if (evidence) {
      const cited = evidence.slice(0, 3).map(describe).join('; ') || 'no probe detail';
      return {
        cause: row.cause,
        severity: OPENAI_CAUSES[row.cause].severity,
        rationale: RATIONALE[row.cause](cited),
        evidence: evidence.map(describe),
        ...confidence(row.cause, facts.results),
      };
    }
  }
  // Unreachable: the last row always matches. Kept so the function stays total if rows change.
  return { cause: 'healthy', severity: 'P4', rationale: 'No rule matched the probe results.', evidence: [] };
}
