/** A decision rule's condition over one triage round (and, for a latency percentile, the rounds before it). */
import type { ProbeResult } from '../../contract/index.ts';
import type { ConditionShape, ResultMatchShape } from './schema.ts';

export interface Round {
  /** This round's provider evidence (a probe that could not run on our side is none). */
  results: ProbeResult[];
  /** Earlier rounds' provider evidence, oldest first. */
  history: ProbeResult[][];
  thresholds: Record<string, number>;
  reportedCause?: string;
}

/** What the rationale may quote besides the cited results: named matches and a measured percentile. */
export interface Findings {
  named: Map<string, ProbeResult[]>;
  percentile?: { valueMs: number; samples: number; thresholdMs: number };
}

const statusMatches = (status: number, wanted: number | string) =>
  typeof wanted === 'number' ? status === wanted : String(Math.floor(status / 100)) === wanted[0];

export function holds(
  c: ResultMatchShape & Pick<ConditionShape, 'either'>,
  r: ProbeResult,
  thresholds: Record<string, number>,
): boolean {
  if (c.either && !c.either.some((alternative) => holds(alternative, r, thresholds))) return false;
  if (c.status && !(r.httpStatus !== null && c.status.some((s) => statusMatches(r.httpStatus!, s)))) return false;
  if (c.fault && !(r.errorKind !== null && c.fault.includes(r.errorKind))) return false;
  if (c.ok !== undefined && r.ok !== c.ok) return false;
  if (c.answered !== undefined && (r.httpStatus !== null) !== c.answered) return false;
  if (c.bodyContains !== undefined && !r.detail.includes(c.bodyContains)) return false;
  if (c.latencyOver !== undefined && !(r.latencyMs > (thresholds[c.latencyOver] ?? Number.POSITIVE_INFINITY)))
    return false;
  return true;
}

/** Nearest-rank percentile; null without samples. */
function percentileOf(values: number[], percentile: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((percentile / 100) * sorted.length) - 1)]!;
}

function latencyPercentileHolds(c: ConditionShape, selected: ProbeResult[], round: Round, findings: Findings): boolean {
  const p = c.latencyPercentile!;
  const earlier = p.withHistory ? round.history.flat() : [];
  const inScope = (r: ProbeResult) => c.probes === undefined || c.probes.includes(r.probe);
  const samples = [...earlier.filter(inScope), ...selected].filter((r) => r.ok).map((r) => r.latencyMs);
  const value = percentileOf(samples, p.percentile);
  const thresholdMs = round.thresholds[p.over] ?? Number.POSITIVE_INFINITY;
  if (value === null || !(value > thresholdMs)) return false;
  findings.percentile = { valueMs: value, samples: samples.length, thresholdMs };
  return true;
}

/** A match: the results of `probes` of which some (or, with `every`, all) hold; null when none do. */
function matchOf(c: ConditionShape, round: Round, findings: Findings): ProbeResult[] | null {
  if (c.reported !== undefined) return round.reportedCause === c.reported ? [] : null;
  const selected = c.probes ? round.results.filter((r) => c.probes!.includes(r.probe)) : round.results;
  if (c.latencyPercentile) return latencyPercentileHolds(c, selected, round, findings) ? selected : null;
  if (c.every) return selected.length > 0 && selected.every((r) => holds(c, r, round.thresholds)) ? selected : null;
  const matching = selected.filter((r) => holds(c, r, round.thresholds));
  return matching.length > 0 ? matching : null;
}

/** The results a condition rests on when it holds; null when it does not. Named matches go into `findings`. */
export function evaluate(c: ConditionShape, round: Round, findings: Findings): ProbeResult[] | null {
  if (c.always) return round.results;
  if (c.all) {
    const parts = c.all.map((sub) => evaluate(sub, round, findings));
    return parts.every((p) => p !== null) ? [...new Set(parts.flatMap((p) => p!))] : null;
  }
  if (c.any) {
    for (const sub of c.any) {
      const found = evaluate(sub, round, findings);
      if (found) return found;
    }
    return null;
  }
  if (c.not) return evaluate(c.not, round, { named: new Map() }) === null ? [] : null;
  const matched = matchOf(c, round, findings);
  if (matched && c.as !== undefined) findings.named.set(c.as, matched);
  return matched;
}
