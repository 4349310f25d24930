import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliRun } from './cli.ts';
import { temporalAddress } from './temporal.ts';
import { workflowBundlePath } from './workflow-bundle.ts';

export interface DrillJson {
  incidentId: string;
  scenario: string;
  cause: string;
  severity: string;
  state: string;
  timeline: Array<{ at: string; kind: string; message: string }>;
  approvals: Array<{ stepId: string; by: string; decision: string; at: string }>;
  causes: Array<{ cause: string; severity: string; at: string; why: string }>;
  statuses: Array<{ at: string; kind: string | null; status: string; state: string | null }>;
  mutations: Array<{
    step: string;
    target: string;
    change: string;
    previous: unknown;
    appliedAt: string;
    revertedAt: string | null;
    keptBecause: string | null;
    purpose: 'protective' | 'fix' | null;
    disposition: { outcome: 'reverted' | 'kept' | 'left-for-human' | 'restart'; why: string | null };
    kubectl: string;
  }>;
  postmortemPath: string;
}

/** `runbook drill ... --json` as a real process on the shared test server (no dev server of its own). */
export async function runDrillCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<CliRun & { json: DrillJson | null }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'drill-'));
  const run = await runCli(['drill', ...args, '--auto-approve', '--json'], {
    env: {
      TEMPORAL_ADDRESS: temporalAddress(),
      RUNBOOK_DATA_DIR: dataDir,
      RUNBOOK_WORKFLOW_BUNDLE: workflowBundlePath(),
      IDEOGRAM_API_KEY: 'drill-test-key',
      ...env,
    },
    timeoutMs: 170_000,
  });
  let json: DrillJson | null;
  try {
    json = JSON.parse(run.stdout) as DrillJson;
  } catch {
    json = null;
  }
  return { ...run, json };
}
