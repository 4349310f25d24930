/**
 * A runbook document changes while an incident that started on it runs: the running incident
 * finishes on the text it pinned, a new incident runs the new version, and both histories replay.
 * Real Temporal dev server, real worker, the document's own simulator profile.
 */
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  postmortemQuery,
  statusQuery,
  SYNTHETIC_CHECK_WORKFLOW_TYPE,
  type IncidentResult,
  type IncidentStatus,
  type SyntheticCheckInput,
  type SyntheticCheckResult,
} from '../../src/contract/index.ts';
import { sharedBundle } from '../support/incident-harness.ts';
import { TEST_API_KEY } from '../support/simulator.ts';
import { anthropicDocument } from '../runbooks/documents/support.ts';
import { startDocumentWorker, registerDocument, type DocumentWorker } from './support/document-worker.ts';
import { historyToJson, maybeRecordHistory, searchableHistoryText } from './support/histories.ts';

/** The Anthropic document as runbook `pinned`, with its fallback approval saying which version asks. */
function version(n: number) {
  const doc = anthropicDocument();
  doc.metadata.id = 'pinned';
  doc.metadata.version = n;
  doc.plans.fallback[0].approve.description = `Version ${n} asks: set ANTHROPIC_FALLBACK=true on deployment/{service.deployment}`;
  return registerDocument(doc);
}

let w: DocumentWorker;

beforeAll(async () => {
  version(1);
  // Every call fails until the test says otherwise: both incidents wait at their first approval.
  w = await startDocumentWorker('pinned', [{ name: 'outage', models: { status: 500 }, messages: { status: 500 } }]);
});

afterAll(async () => {
  await w?.close();
});

const asking = (s: IncidentStatus) => s.pendingApprovals.find((a) => a.stepId === 'enable-fallback')?.description;

describe('runbook documents: an incident is pinned to the text it started with', () => {
  it('a running incident finishes on its version after the document changes; a new incident runs the new one; both histories replay', async () => {
    const first = await w.start(`${w.taskQueue}-first`);
    const firstAsking = await w.waitFor(
      first,
      (s) => asking(s) !== undefined,
      'the first incident to ask for fallback',
    );
    expect(asking(firstAsking)).toBe('Version 1 asks: set ANTHROPIC_FALLBACK=true on deployment/pinned-service');

    const v2 = version(2);
    const second = await w.start(`${w.taskQueue}-second`);
    const secondAsking = await w.waitFor(
      second,
      (s) => asking(s) !== undefined,
      'the second incident to ask for fallback',
    );
    expect(asking(secondAsking)).toBe('Version 2 asks: set ANTHROPIC_FALLBACK=true on deployment/pinned-service');
    expect(secondAsking.runbookDocument).toEqual({ id: 'pinned', version: 2, sha256: v2.sha256 });
    const firstNow = await first.query(statusQuery);
    expect(firstNow.runbookDocument).toMatchObject({ id: 'pinned', version: 1 });
    expect(firstNow.runbookDocument!.sha256).not.toBe(v2.sha256);

    // The first incident goes on (approvals, monitoring, restore) on version 1 while version 2 is registered.
    w.sim.setScenario('healthy');
    const [firstResult, secondResult] = await Promise.all([w.answerUntilDone(first), w.answerUntilDone(second)]);
    expect(firstResult).toMatchObject({ state: 'resolved', cause: 'provider_outage' });
    expect(secondResult).toMatchObject({ state: 'resolved', cause: 'provider_outage' });
    const asked = (r: IncidentResult) =>
      r.timeline
        .filter((e) => e.kind === 'approval_requested' && e.message.startsWith('enable-fallback'))
        .map((e) => e.message);
    expect(asked(firstResult)).toEqual([
      'enable-fallback: Version 1 asks: set ANTHROPIC_FALLBACK=true on deployment/pinned-service',
    ]);
    expect(asked(secondResult)).toEqual([
      'enable-fallback: Version 2 asks: set ANTHROPIC_FALLBACK=true on deployment/pinned-service',
    ]);
    const pinned = `pinned v1 (sha256 ${firstNow.runbookDocument!.sha256.slice(0, 12)})`;
    expect(firstResult.timeline.map((e) => e.message)).toContain(
      `Runbook document ${pinned}: this incident runs on this text to its end`,
    );
    expect(await first.query(postmortemQuery)).toContain(`**Runbook:** document ${pinned}`);

    // Replayed by the workflow bundle, whose registry knows no document: each history's pinned text decides.
    const histories = [await first.fetchHistory(), await second.fetchHistory()].map((history, i) => ({
      workflowId: [first, second][i]!.workflowId,
      history,
    }));
    const json = historyToJson(histories[0]!.history);
    expect(searchableHistoryText(json).includes(TEST_API_KEY)).toBe(false);
    // Kept with the replay corpus (test/workflows/replay.test.ts): a later engine must still finish it.
    await maybeRecordHistory('document-runbook-pinned', {
      workflowId: first.workflowId,
      runId: first.firstExecutionRunId,
      json,
    });
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: { code: await sharedBundle() } }, histories))
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    expect(failures).toEqual([]);
  });

  it('a scheduled synthetic check of a document runbook runs the document its worker loaded', async () => {
    w.sim.setScenario('healthy');
    const input: SyntheticCheckInput = {
      scheduleId: `${w.taskQueue}-schedule`,
      runbook: 'pinned',
      service: 'pinned-service',
      billedPerDay: 0,
    };
    const result = await w.client.workflow.execute<(i: SyntheticCheckInput) => Promise<SyntheticCheckResult>>(
      SYNTHETIC_CHECK_WORKFLOW_TYPE,
      { taskQueue: w.taskQueue, workflowId: `${w.taskQueue}-synthetic`, args: [input] },
    );
    // No billed budget: the document's free probes only, judged by its decision table.
    expect(result).toMatchObject({ outcome: 'healthy', billed: false, decision: { cause: 'healthy' } });
    expect(result.probes.map((p) => p.probe).sort()).toEqual(['dns', 'list_models', 'status_page']);
  });
});
