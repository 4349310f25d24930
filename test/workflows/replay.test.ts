import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { sharedBundle } from '../support/workflow-bundle.ts';
import { getRunbook } from '../../src/runbooks/index.ts';
import { CURRENT_HISTORIES_DIR, historyFromJson, searchableHistoryText } from '../e2e/support/histories.ts';
import { TEST_API_KEY } from '../support/simulator.ts';

/**
 * Every history in test/fixtures/histories/current, recorded with RECORD_HISTORIES=1 by the tests
 * that run them (test/e2e, test/workflows, test/schedules). A workflow change that fails here would
 * break incidents already running on a worker.
 */
async function replayAll(dir: string): Promise<{ files: string[]; failures: string[] }> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  const code = await sharedBundle();
  const histories = await Promise.all(
    files.map(async (file) => ({
      workflowId: file,
      history: historyFromJson(await readFile(`${dir}${file}`, 'utf8')),
    })),
  );
  for (const file of files) {
    const text = searchableHistoryText(await readFile(`${dir}${file}`, 'utf8'));
    expect(text.includes(TEST_API_KEY), `${file} holds the API key`).toBe(false);
  }
  const failures: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: { code } }, histories)) {
    replayed += 1;
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  expect(replayed).toBe(files.length);
  return { files, failures };
}

describe('stored incident histories replay against the current workflow code', () => {
  const causes = Object.keys(getRunbook('ideogram').causes).sort();

  it('incidents of the current engine (every cause, a re-triage, a blocked triage, a hand-over to a human, a fault cleared before any change) replay without nondeterminism', async () => {
    const { files, failures } = await replayAll(CURRENT_HISTORIES_DIR);
    const names = files.map((f) => f.replace(/\.json$/, ''));
    for (const cause of causes) expect(names).toContain(cause);
    expect(names).toEqual(
      expect.arrayContaining([
        'retriage-rate-limited-to-outage',
        'blocked-then-outage',
        'auth-key-grace',
        'auth-needs-human-cancelled',
        'blocked-cancelled',
        'credits-cleared-before-change',
      ]),
    );
    // Scheduled synthetic checks (RECORD_HISTORIES=1 npx vitest run test/schedules) replay with the current engine.
    expect(names).toEqual(
      expect.arrayContaining(['synthetic-check-healthy', 'synthetic-check-free-only', 'synthetic-check-fault']),
    );
    expect(failures).toEqual([]);
  });

  it('the current ones include an incident opened by the alert intake, with its firing and resolved alert signals', async () => {
    const history = historyFromJson(await readFile(`${CURRENT_HISTORIES_DIR}alert-provider-outage.json`, 'utf8'));
    const signals = history.events.flatMap((e) =>
      e.workflowExecutionSignaledEventAttributes?.signalName === 'alert'
        ? [e.workflowExecutionSignaledEventAttributes]
        : [],
    );
    const statuses = signals.map(
      (s) => (JSON.parse(Buffer.from(s.input!.payloads![0]!.data!).toString('utf8')) as { status: string }).status,
    );
    expect(statuses).toEqual(['firing', 'resolved']);
    // Signal-with-start: the alert arrives with the start, before the first workflow task.
    expect(history.events[1]!.workflowExecutionSignaledEventAttributes?.signalName).toBe('alert');
  });
});
