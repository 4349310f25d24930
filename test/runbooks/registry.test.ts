/**
 * The registry's one named default: the runbook used when none is named is Ideogram's, whatever
 * order the documents registered in (they load alphabetically, so anthropic registers first).
 */
import { describe, expect, it } from 'vitest';
import { runbookFor } from '../../src/app/service-catalog.ts';
import { ServiceCatalog } from '../../src/activities/catalog.ts';
import { DEFAULT_RUNBOOK_ID, defaultRunbookId, runbookIds } from '../../src/runbooks/index.ts';
import { startSimulator } from '../../src/simulator/index.ts';

describe('the default runbook', () => {
  it('is ideogram, though another document registered before it', () => {
    expect(DEFAULT_RUNBOOK_ID).toBe('ideogram');
    expect(defaultRunbookId()).toBe('ideogram');
    expect(runbookIds()).toEqual(expect.arrayContaining(['anthropic', 'ideogram', 'openai']));
  });

  it('comes first where runbooks are listed', () => {
    expect(runbookIds()[0]).toBe('ideogram');
  });

  it('is the runbook a request that names neither runbook nor service means', () => {
    expect(runbookFor(new ServiceCatalog([]), undefined, undefined).id).toBe('ideogram');
  });

  it("is whose API a simulator serves when none is named: Ideogram's routes", async () => {
    const sim = await startSimulator({ latencyScale: 0 });
    try {
      const answer = await fetch(`${sim.baseUrl}/v1/ideogram-v3/generate`, { method: 'POST', body: '{}' });
      // The route exists (the key is missing): an unknown route would be a 404.
      expect(answer.status).toBe(401);
    } finally {
      await sim.stop();
    }
  });
});
