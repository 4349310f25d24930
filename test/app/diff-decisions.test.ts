import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { compareIncident, documentTable } from '../../src/app/diff-decisions.ts';
import { recordedEvidence } from '../../src/app/recorded-evidence.ts';
import type { RunbookDocumentPin } from '../../src/contract/index.ts';
import { CURRENT_HISTORIES_DIR, historyFromJson } from '../e2e/support/histories.ts';

/**
 * The decision diff over a recorded history (the pinned-document incident of the replay corpus:
 * a provider outage on a copy of the Anthropic document): what it recorded, read back; the same
 * text reads it the same; each kind of change to the text shows as what it changes.
 */
const recorded = async () =>
  recordedEvidence('pinned-incident', [
    {
      events:
        historyFromJson(await readFile(`${CURRENT_HISTORIES_DIR}document-runbook-pinned.json`, 'utf8')).events ?? [],
    },
  ]);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;
function edited(pin: RunbookDocumentPin, edit: (doc: Doc) => void): RunbookDocumentPin {
  const document = structuredClone(pin.document) as Doc;
  edit(document);
  return { ...pin, version: pin.version + 1, sha256: 'f'.repeat(64), document };
}

describe('decision diff over a recorded history', () => {
  it('reads back the runbook, its pinned text, every round and the causes the incident recorded', async () => {
    const evidence = await recorded();
    expect(evidence.runbook).toBe('pinned');
    expect(evidence.pin).toMatchObject({ id: 'pinned', version: 1 });
    expect(evidence.judged).toHaveLength(1);
    expect(evidence.judged[0]!.result.confirmations.length).toBeGreaterThan(0);
    expect(evidence.realRounds.length).toBeGreaterThan(0);
    expect(evidence.recordedCauses).toEqual(['provider_outage']);
  });

  it('the text it ran reads it as it decided: no difference', async () => {
    const evidence = await recorded();
    const diff = compareIncident(evidence, documentTable(evidence.pin!));
    expect(diff.before).toMatchObject({ cause: 'provider_outage', severity: 'P1', rule: 'server-errors' });
    expect(diff.after).toEqual(diff.before);
    expect(diff.differences).toEqual([]);
    expect(diff.realRounds.read).toBeGreaterThan(0);
    expect(diff.notes).toEqual([]);
  });

  it('a changed severity, plan step or rule shows as what it changes, with the rule that decided', async () => {
    const evidence = await recorded();
    const pin = evidence.pin!;
    const severity = compareIncident(
      evidence,
      documentTable(edited(pin, (d) => (d.causes.provider_outage.severity = 'P2'))),
    );
    expect(severity.differences).toEqual(['severity']);

    const step = compareIncident(
      evidence,
      documentTable(edited(pin, (d) => d.plans['wait-unchanged'].splice(0, 0, { note: 'Tell support.' }))),
    );
    expect(step.differences).toEqual(['plan']);
    expect(step.after?.plan?.id).toBe('fallback');

    // 5xx on messages read as overload: another cause, of another severity, running the same plan.
    const rule = compareIncident(
      evidence,
      documentTable(edited(pin, (d) => (d.decision.find((r: Doc) => r.id === 'server-errors').cause = 'overloaded'))),
    );
    expect(rule.after).toMatchObject({ cause: 'overloaded', severity: 'P2', rule: 'server-errors' });
    expect(rule.differences).toEqual(['cause', 'severity']);

    // A rule that reads any answered call as slow, first: the triage (all 500s) still decides an
    // outage, but the real rounds that saw the provider recover would not have.
    const slow = {
      id: 'slow',
      when: { probes: ['messages'], ok: true },
      cause: 'degraded_performance',
      rationale: 'x',
    };
    const monitoring = compareIncident(evidence, documentTable(edited(pin, (d) => d.decision.unshift(slow))));
    expect(monitoring.differences).toEqual(['monitoring']);
    expect(monitoring.realRounds.differing).toHaveLength(monitoring.realRounds.read);
    expect(monitoring.realRounds.differing[0]).toMatchObject({ before: 'healthy', after: 'degraded_performance' });
  });
});
