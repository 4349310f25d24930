/** Checks of a document's decision table and corroboration: every rule can match, every name resolves. */
import { jsonPath } from '../../contract/index.ts';
import type { ConditionShape, RunbookDocument } from './schema.ts';
import { implies } from './shadowing.ts';
import { known, type DocumentProblem } from './validate-parts.ts';

/** Why a condition can never hold, or null. */
function neverMatches(
  c: ConditionShape,
  doc: RunbookDocument,
  path: (string | number)[],
  problems: DocumentProblem[],
): void {
  const ids = doc.probes.triage.map((p) => p.id);
  const combinators = ['always', 'all', 'any', 'not'].filter((k) => (c as Record<string, unknown>)[k] !== undefined);
  const matchKeys = [
    'probes',
    'every',
    'status',
    'fault',
    'ok',
    'answered',
    'bodyContains',
    'latencyOver',
    'either',
    'latencyPercentile',
    'reported',
    'as',
  ].filter((k) => (c as Record<string, unknown>)[k] !== undefined);
  if (combinators.length > 1 || (combinators.length === 1 && matchKeys.length > 0)) {
    problems.push({
      path,
      message: `a condition is one of always, all, any, not, or a match; this one mixes ${[...combinators, ...matchKeys].join(', ')}`,
    });
    return;
  }
  c.all?.forEach((sub, i) => neverMatches(sub, doc, [...path, 'all', i], problems));
  c.any?.forEach((sub, i) => neverMatches(sub, doc, [...path, 'any', i], problems));
  if (c.not) neverMatches(c.not, doc, [...path, 'not'], problems);
  c.probes?.forEach((id, i) => {
    if (!ids.includes(id))
      problems.push({ path: [...path, 'probes', i], message: `this rule can never match: ${known('probe', id, ids)}` });
  });
  if (c.latencyPercentile !== undefined && doc.thresholds[c.latencyPercentile.over] === undefined)
    problems.push({
      path: [...path, 'latencyPercentile', 'over'],
      message: known('threshold', c.latencyPercentile.over, Object.keys(doc.thresholds)),
    });
  if (c.reported !== undefined && doc.causes[c.reported] === undefined)
    problems.push({ path: [...path, 'reported'], message: known('cause', c.reported, Object.keys(doc.causes)) });
  if (c.latencyOver !== undefined && doc.thresholds[c.latencyOver] === undefined)
    problems.push({
      path: [...path, 'latencyOver'],
      message: known('threshold', c.latencyOver, Object.keys(doc.thresholds)),
    });
  const failingStatus = c.status?.some((s) => (typeof s === 'number' ? s >= 400 : s === '4xx' || s === '5xx'));
  if (c.ok === true && (c.fault || failingStatus))
    problems.push({
      path,
      message: 'this rule can never match: a probe that is ok has no fault and no failing status',
    });
  if (c.status && c.fault && !c.fault.includes('bad_body'))
    problems.push({
      path,
      message:
        'this rule can never match: a result with an HTTP status has no network fault (only bad_body comes with one)',
    });
  if (c.answered === false && (c.status || c.bodyContains))
    problems.push({ path, message: 'this rule can never match: a probe without an HTTP answer has no status or body' });
}

export function decisionProblems(doc: RunbookDocument): DocumentProblem[] {
  const problems: DocumentProblem[] = [];
  const causes = Object.keys(doc.causes);
  const seen = new Map<string, number>();
  doc.decision.forEach((rule, i) => {
    const at = ['decision', i];
    if (!causes.includes(rule.cause))
      problems.push({ path: [...at, 'cause'], message: known('cause', rule.cause, causes) });
    const always = doc.decision.findIndex((r) => r.when.always === true);
    if (always >= 0 && always < i)
      problems.push({
        path: [...at, 'when'],
        message: `this rule can never match: rule ${jsonPath(['decision', always])} (${doc.decision[always]!.id}) above it always matches`,
      });
    const key = JSON.stringify(rule.when);
    const earlier = seen.get(key);
    if (earlier !== undefined)
      problems.push({
        path: [...at, 'when'],
        message: `this rule can never match: rule ${doc.decision[earlier]!.id} above it has the same condition`,
      });
    else seen.set(key, i);
    // Reported once: below an `always` or a repeat, the rule is already known never to match.
    const covering =
      (always < 0 || always >= i) && earlier === undefined
        ? doc.decision.slice(0, i).find((r) => implies(rule.when, r.when, doc.thresholds))
        : undefined;
    if (covering)
      problems.push({
        path: [...at, 'when'],
        message: `this rule can never match: rule ${covering.id} above it matches whenever this one does (move this one above it, or narrow that one)`,
      });
    neverMatches(rule.when, doc, [...at, 'when'], problems);
    rule.cite?.forEach((match, j) => {
      const path = [...at, 'cite', j];
      const combinator = ['always', 'all', 'any', 'not', 'every'].find(
        (k) => (match as Record<string, unknown>)[k] !== undefined,
      );
      if (combinator)
        problems.push({
          path,
          message: `cite selects results by probes and result fields; ${combinator} has no place here`,
        });
      else neverMatches(match, doc, path, problems);
    });
  });
  if (doc.decision.at(-1)?.when.always !== true)
    problems.push({
      path: ['decision', doc.decision.length - 1, 'when'],
      message: 'the last rule must be `always: true`, so every triage ends with a cause',
    });
  return problems;
}

export function corroborationProblems(doc: RunbookDocument): DocumentProblem[] {
  const problems: DocumentProblem[] = [];
  const causes = Object.keys(doc.causes);
  const c = doc.corroboration;
  const named: Array<[(string | number)[], string[] | undefined]> = [
    [['corroboration', 'notFaults'], c.notFaults],
    ...c.table.flatMap((row, i): Array<[(string | number)[], string[] | undefined]> => [
      [['corroboration', 'table', i, 'causes'], row.causes],
      [['corroboration', 'table', i, 'raise', 'causes'], row.raise?.causes],
    ]),
  ];
  for (const [path, ids] of named)
    ids?.forEach((id, j) => {
      if (!causes.includes(id)) problems.push({ path: [...path, j], message: known('cause', id, causes) });
    });
  c.notes.forEach((n, i) => neverMatches(n.when, doc, ['corroboration', 'notes', i, 'when'], problems));
  return problems;
}
