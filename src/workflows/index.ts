// PLACEHOLDER — the incident workflow helper (issue 4) replaces this file.
import { sleep } from '@temporalio/workflow';

export async function incidentWorkflow(input: { sleepMs: number }): Promise<string> {
  await sleep(input.sleepMs);
  return 'done';
}
