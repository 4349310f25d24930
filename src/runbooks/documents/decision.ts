/** A document's decision table as the engine's `classify`: pure and total (the last rule always matches). */
import { clip, type Decision, type ProbeResult } from '../../contract/index.ts';
import type { ClassifyContext } from '../types.ts';
import { evaluate, holds, type Findings, type Round } from './conditions.ts';
import { corroborate } from './corroboration.ts';
import type { DocumentRule, RunbookDocument } from './schema.ts';

export const describeResult = (r: ProbeResult) =>
  `${r.probe} → ${r.httpStatus !== null ? `HTTP ${r.httpStatus}` : (r.errorKind ?? (r.ok ? 'ok' : 'failed'))}${r.detail ? ` ${clip(r.detail, 60)}` : ''}`;

/** A probe that could not run on our side (an unreadable secret, a spent budget) says nothing about the provider. */
export const isProviderEvidence = (r: ProbeResult) => r.source !== 'self' && !r.detail.startsWith('skipped');

/** The results a rule cites: those its `cite` selects (in round order), else those its condition matched. */
function cited(rule: DocumentRule, matched: ProbeResult[], round: Round): ProbeResult[] {
  if (!rule.cite) return matched;
  return round.results.filter((r) =>
    rule.cite!.some((m) => (m.probes === undefined || m.probes.includes(r.probe)) && holds(m, r, round.thresholds)),
  );
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);

/**
 * The rationale with its placeholders filled: `{evidence}` and every named match `{name}` (the first
 * three results), their `.probes`, `.faults` and `.count`; `{percentile}`, `{samples}` and
 * `{threshold}` of a latency percentile (seconds); `{statusPage}`, the indicator read this round.
 */
function rationaleOf(rule: DocumentRule, evidence: ProbeResult[], findings: Findings, round: Round, hint: string) {
  const groups = new Map([['evidence', evidence], ...findings.named]);
  const page = round.results.find((r) => r.probe === hint)?.extractedField ?? 'not checked';
  const p = findings.percentile;
  // A function replacer, so a `$` in a probe's body is quoted as it is, never read as a replacement pattern.
  return rule.rationale.replace(
    /\{([A-Za-z][A-Za-z0-9_-]*)(?:\.(probes|faults|count))?\}/g,
    (m, name: string, part) => {
      if (name === 'statusPage' && part === undefined) return page;
      if (p && part === undefined && name === 'percentile') return seconds(p.valueMs);
      if (p && part === undefined && name === 'samples') return String(p.samples);
      if (p && part === undefined && name === 'threshold') return seconds(p.thresholdMs);
      const group = groups.get(name);
      if (!group) return m;
      if (part === 'probes') return group.map((r) => r.probe).join(', ');
      if (part === 'faults') return group.map((r) => r.errorKind ?? 'failed').join(', ');
      if (part === 'count') return String(group.length);
      return group.slice(0, 3).map(describeResult).join('; ') || 'no probe detail';
    },
  );
}

/** The first rule that holds decides: its cause, the cause's severity, its rationale with the evidence cited. */
export function classifyByDocument(
  doc: RunbookDocument,
  all: ProbeResult[],
  history: ProbeResult[][] = [],
  context: ClassifyContext = {},
): Decision & { rule: string } {
  const round: Round = {
    results: all.filter(isProviderEvidence),
    history: history.map((earlier) => earlier.filter(isProviderEvidence)),
    thresholds: { ...doc.thresholds, ...context.thresholds },
    ...(context.reportedCause !== undefined ? { reportedCause: context.reportedCause } : {}),
  };
  for (const rule of doc.decision) {
    const findings: Findings = { named: new Map() };
    const matched = evaluate(rule.when, round, findings);
    if (!matched) continue;
    const evidence = cited(rule, matched, round);
    const cause = doc.causes[rule.cause]!;
    const decision: Decision = {
      cause: rule.cause,
      severity: cause.severity,
      rationale: rationaleOf(rule, evidence, findings, round, doc.evidence.hint),
      evidence: evidence.map(describeResult),
    };
    return { rule: rule.id, ...corroborate(doc, decision, all, round) };
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
