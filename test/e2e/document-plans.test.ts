/**
 * A document's plans where a human says no: `onDecline` going to another plan, `keep` with its
 * reason, a plan that closes unresolved. Real Temporal dev server, real worker, the Anthropic
 * document's own plans (drills approve everything, so these paths are tested here).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentResult } from '../../src/contract/index.ts';
import { anthropicDocument } from '../runbooks/documents/support.ts';
import { registerDocument, startDocumentWorker, type DocumentWorker } from './support/document-worker.ts';

const outage = [
  { name: 'outage', requests: 6, models: { status: 500 }, messages: { status: 500 } },
  { name: 'recovered' },
];
const CREDITS = {
  status: 400,
  body: {
    type: 'error',
    error: { type: 'invalid_request_error', message: 'Your credit balance is too low to access the Anthropic API.' },
  },
};

let w: DocumentWorker;

/** The plan's outcome as the incident recorded it: its last state entry, `<state>: <summary>`. */
const ending = (r: IncidentResult) => r.timeline.filter((e) => e.kind === 'state').at(-1)?.message;

beforeAll(async () => {
  const doc = anthropicDocument();
  doc.metadata.id = 'declines';
  registerDocument(doc);
  w = await startDocumentWorker('declines', outage);
});

afterAll(async () => {
  await w?.close();
});

describe('document plans when a human declines', () => {
  it('restoring fallback declined: the change is kept with its reason and the plan resolves as the kept plan says', async () => {
    w.sim.setScenario(outage);
    const result = await w.answerUntilDone(await w.start(`${w.taskQueue}-keep`), (step) =>
      step === 'restore-enable-fallback' ? 'reject' : 'approve',
    );
    expect(result).toMatchObject({ state: 'resolved', cause: 'provider_outage' });
    expect(ending(result)).toBe('resolved: The provider recovered; ANTHROPIC_FALLBACK deliberately left at true.');
    const fallback = result.mutations.find((m) => m.step === 'enable-fallback')!;
    expect(fallback.revertedAt).toBeUndefined();
    expect(fallback.keptBecause).toBe('restoring ANTHROPIC_FALLBACK was declined: left at true');
  });

  it('fallback declined: the plan goes on in wait-unchanged, changes nothing and resolves once real calls recover', async () => {
    w.sim.setScenario(outage);
    const result = await w.answerUntilDone(await w.start(`${w.taskQueue}-unchanged`), () => 'reject');
    expect(result).toMatchObject({ state: 'resolved', cause: 'provider_outage', mutations: [] });
    expect(ending(result)).toBe('resolved: The provider recovered; nothing was changed.');
    expect(result.timeline.map((e) => e.message)).toContain(
      'Left unchanged by decision; monitoring until the provider recovers.',
    );
  });

  it('credits not confirmed: paused batch jobs stay paused with the reason, and the incident closes unresolved', async () => {
    w.sim.setScenario([{ name: 'credits', messages: CREDITS }]);
    const result = await w.answerUntilDone(await w.start(`${w.taskQueue}-credits`), (step) =>
      step === 'confirm-credits-added' ? 'reject' : 'approve',
    );
    expect(result).toMatchObject({ state: 'closed', cause: 'credits_exhausted' });
    expect(ending(result)).toBe('closed: Credits exhausted; not confirmed topped up. Handed back to a human.');
    const paused = result.mutations.find((m) => m.step === 'pause-batch-jobs')!;
    expect(paused.keptBecause).toBe('credits not confirmed: batch jobs stay paused until a human resumes them');
  });
});
