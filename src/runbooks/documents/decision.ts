/** A document's decision table as the engine's `classify`: pure and total (the last rule always matches). */
import { clip, type Decision, type ProbeResult } from '../../contract/index.ts';
import type { ClassifyContext } from '../types.ts';
import type { ConditionShape, DocumentRule, ResultMatchShape, RunbookDocument } from './schema.ts';

const describe = (r: ProbeResult) =>
  `${r.probe} → ${r.httpStatus !== null ? `HTTP ${r.httpStatus}` : (r.errorKind ?? (r.ok ? 'ok' : 'failed'))}${r.detail ? ` ${clip(r.detail, 60)}` : ''}`;

const statusMatches = (status: number, wanted: number | string) =>
  typeof wanted === 'number' ? status === wanted : String(Math.floor(status / 100)) === wanted[0];

function holds(
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

/** The results a condition rests on when it holds; null when it does not. */
export function evaluate(
  c: ConditionShape,
  results: ProbeResult[],
  thresholds: Record<string, number>,
): ProbeResult[] | null {
  if (c.always) return results;
  if (c.all) {
    const parts = c.all.map((sub) => evaluate(sub, results, thresholds));
    return parts.every((p) => p !== null) ? [...new Set(parts.flatMap((p) => p!))] : null;
  }
  if (c.any) {
    for (const sub of c.any) {
      const found = evaluate(sub, results, thresholds);
      if (found) return found;
    }
    return null;
  }
  if (c.not) return evaluate(c.not, results, thresholds) === null ? [] : null;
  const selected = c.probes ? results.filter((r) => c.probes!.includes(r.probe)) : results;
  if (c.every) return selected.length > 0 && selected.every((r) => holds(c, r, thresholds)) ? selected : null;
  const matching = selected.filter((r) => holds(c, r, thresholds));
  return matching.length > 0 ? matching : null;
}

/** The results a rule cites: those its `cite` selects (in round order), else those its condition matched. */
function cited(rule: DocumentRule, matched: ProbeResult[], results: ProbeResult[], thresholds: Record<string, number>) {
  if (!rule.cite) return matched;
  return results.filter((r) =>
    rule.cite!.some((m) => (m.probes === undefined || m.probes.includes(r.probe)) && holds(m, r, thresholds)),
  );
}

/** The status page corroborates (confidence), never changes the cause the API answers gave. */
function confidence(
  doc: RunbookDocument,
  cause: string,
  results: ProbeResult[],
): Pick<Decision, 'confidence' | 'corroboration'> {
  const page = results.find((r) => r.probe === doc.evidence.hint && r.ok)?.extractedField;
  if (page === undefined)
    return { confidence: 'medium', corroboration: ['status page unavailable: judged by the API answers alone'] };
  const faulty = cause !== doc.evidence.healthyCause;
  if (faulty === (page !== 'none'))
    return { confidence: 'high', corroboration: [`status page reports "${page}": corroborates`] };
  return { confidence: 'medium', corroboration: [`status page reports "${page}": the API answers decide`] };
}

/** The first rule that holds decides: its cause, the cause's severity, its rationale with the evidence cited. */
export function classifyByDocument(
  doc: RunbookDocument,
  all: ProbeResult[],
  context: ClassifyContext = {},
): Decision & { rule: string } {
  // A probe that could not run on our side says nothing about the provider.
  const results = all.filter((r) => r.source !== 'self' && !r.detail.startsWith('skipped'));
  const thresholds = { ...doc.thresholds, ...context.thresholds };
  for (const rule of doc.decision) {
    const matched = evaluate(rule.when, results, thresholds);
    if (!matched) continue;
    const evidence = cited(rule, matched, results, thresholds);
    const quoted = evidence.slice(0, 3).map(describe).join('; ') || 'no probe detail';
    const cause = doc.causes[rule.cause]!;
    return {
      rule: rule.id,
      cause: rule.cause,
      severity: cause.severity,
      // A function, so a `$` in a probe's body is quoted as it is, never read as a replacement pattern.
      rationale: rule.rationale.replaceAll('{evidence}', () => quoted),
      evidence: evidence.map(describe),
      ...confidence(doc, rule.cause, results),
    };
  }
  // Unreachable for a validated document (its last rule always matches); kept so classify stays total.
  const healthy = doc.evidence.healthyCause;
  return {
    rule: '(none)',
    cause: healthy,
    severity: doc.causes[healthy]?.severity ?? 'P4',
    rationale: 'No rule matched the probe results.',
    evidence: [],
  };
}
