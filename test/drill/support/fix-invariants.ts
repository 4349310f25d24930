/** What every drill of a fix that does not take must show, whatever the scenario. */
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { DrillJson } from '../../support/drill.ts';

export const scenario = (name: string) => fileURLToPath(new URL(`../scenarios/${name}.json`, import.meta.url));

/** What stakeholders may read in each state: never RESOLVED for what is not resolved. */
const ALLOWED: Record<string, string[]> = {
  resolved: ['RESOLVED'],
  closed: ['CLOSED'],
  cancelled: ['CANCELLED'],
  failed: ['FAILED'],
  needs_human: ['ESCALATED'],
};
const OPEN = ['INVESTIGATING', 'MITIGATED'];

/** Every status sent matches the incident's state when it was written; the last one matches how it ended. */
function expectTruthfulStatuses(json: DrillJson): void {
  expect(json.statuses.length).toBeGreaterThan(0);
  for (const sent of json.statuses)
    expect(ALLOWED[sent.state!] ?? OPEN, `${sent.status} sent while ${sent.state} at ${sent.at}`).toContain(
      sent.status,
    );
  expect(json.statuses.at(-1)!.status).toBe(ALLOWED[json.state]![0]);
  // Nothing before the end says the incident is over.
  expect(
    json.statuses.slice(0, -1).filter((s) => ['RESOLVED', 'CLOSED', 'CANCELLED', 'FAILED'].includes(s.status)),
  ).toEqual([]);
}

/** Fallback, once enabled, was on at every failing real check until real calls recovered. */
function expectFallbackWhileFailing(json: DrillJson): void {
  const on = json.timeline.findIndex((e) => e.kind === 'mutation' && e.message.startsWith('IDEOGRAM_FALLBACK=true'));
  if (on < 0) return;
  const off = json.timeline.findIndex(
    (e, i) => i > on && e.kind === 'reverted' && e.message.startsWith('IDEOGRAM_FALLBACK=true'),
  );
  const failingAfterOff = json.timeline
    .slice(off < 0 ? json.timeline.length : off)
    .filter((e) => /^real check \d+: (still failing|now looks like)/.test(e.message));
  expect(failingAfterOff.map((e) => e.message)).toEqual([]);
}

/** No drill human rolls a key back: the engine never does it by itself. */
function expectNoKeyRollback(json: DrillJson): void {
  expect(
    json.timeline.filter((e) => e.kind === 'reverted' && e.message.startsWith('secret/')).map((e) => e.message),
  ).toEqual([]);
  for (const m of json.mutations.filter((m) => m.step.startsWith('apply-new-key'))) expect(m.revertedAt).toBeNull();
}

/** Nothing the drill changed is left in place without a recorded reason. */
function expectEveryChangeAccounted(json: DrillJson): void {
  for (const m of json.mutations)
    expect(['reverted', 'kept', 'restart'], `${m.step}: ${JSON.stringify(m.disposition)}`).toContain(
      m.disposition.outcome,
    );
}

export function expectInvariants(json: DrillJson): void {
  expectTruthfulStatuses(json);
  expectFallbackWhileFailing(json);
  expectNoKeyRollback(json);
  expectEveryChangeAccounted(json);
}

export const states = (json: DrillJson) =>
  json.timeline.filter((e) => e.kind === 'state').map((e) => e.message.split(':')[0]);
