import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../src/worker/create-worker.ts';
import { getRunbook } from '../../src/runbooks/index.ts';
import { HISTORIES_DIR, historyFromJson, searchableHistoryText } from '../e2e/support/histories.ts';
import { TEST_API_KEY } from '../support/simulator.ts';

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };

/**
 * Histories recorded from the end-to-end runs (RECORD_HISTORIES=1 npx vitest run test/e2e), one per
 * cause. A workflow change that would break a running incident fails here: put it behind patched().
 */
describe('stored incident histories replay against the current workflow code', () => {
  it('has one history per cause of the runbook, and every one replays without nondeterminism', async () => {
    const files = (await readdir(HISTORIES_DIR)).filter((f) => f.endsWith('.json')).sort();
    expect(files.map((f) => f.replace(/\.json$/, ''))).toEqual(Object.keys(getRunbook('ideogram').causes).sort());

    const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });
    const histories = await Promise.all(
      files.map(async (file) => ({ workflowId: file, history: historyFromJson(await readFile(`${HISTORIES_DIR}${file}`, 'utf8')) })),
    );
    for (const file of files) {
      const text = searchableHistoryText(await readFile(`${HISTORIES_DIR}${file}`, 'utf8'));
      expect(text.includes(TEST_API_KEY), `${file} holds the API key`).toBe(false);
    }
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle: { code } }, histories)) {
      replayed += 1;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(files.length);
  });
});
