/**
 * Corroboration: the status page and side facts qualify a decision — its confidence, notes, and a
 * severity the provider's own word raises — but never change the cause the API answers gave.
 */
import type { Decision, ProbeResult, Severity } from '../../contract/index.ts';
import { evaluate, type Round } from './conditions.ts';
import type { CorroborationRowShape, RunbookDocument } from './schema.ts';

const rowHolds = (row: CorroborationRowShape, page: string | undefined, cause: string, fault: boolean) =>
  (row.page === undefined ||
    (row.page === 'unavailable' ? page === undefined : page !== undefined && row.page.includes(page))) &&
  (row.pageNot === undefined || (page !== undefined && !row.pageNot.includes(page))) &&
  (row.fault === undefined || row.fault === fault) &&
  (row.causes === undefined || row.causes.includes(cause));

/** Lower number, more severe. */
const moreSevere = (a: Severity, b: Severity) => Number(a.slice(1)) < Number(b.slice(1));

export function corroborate(doc: RunbookDocument, decision: Decision, all: ProbeResult[], round: Round): Decision {
  const c = doc.corroboration;
  const page = round.results.find((r) => r.probe === doc.evidence.hint && r.ok)?.extractedField;
  const fault = decision.cause !== doc.evidence.healthyCause && !c.notFaults.includes(decision.cause);
  const row = c.table.find((candidate) => rowHolds(candidate, page, decision.cause, fault));
  const notes: string[] = [];
  let { severity } = decision;
  if (row?.note) notes.push(row.note.replaceAll('{indicator}', () => page ?? 'unavailable'));
  if (row?.raise && row.raise.causes.includes(decision.cause) && moreSevere(row.raise.to, severity)) {
    severity = row.raise.to;
    notes.push(row.raise.note);
  }
  for (const extra of c.notes) if (evaluate(extra.when, round, { named: new Map() })) notes.push(extra.note);
  if (c.noteUnrunnable) {
    const unrunnable = all.filter((r) => r.source === 'self' && !r.detail.startsWith('skipped'));
    if (unrunnable.length > 0)
      notes.push(
        `not evidence (could not run on our side): ${unrunnable.map((r) => `${r.probe} (${r.blocker ?? r.detail})`).join('; ')}`,
      );
  }
  return { ...decision, severity, confidence: row?.confidence ?? 'high', corroboration: notes };
}
