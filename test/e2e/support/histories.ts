import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Client, WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import proto from '@temporalio/proto';

/** Histories of the current engine, regenerated with RECORD_HISTORIES=1 (test/workflows/replay.test.ts replays them). */
export const CURRENT_HISTORIES_DIR = fileURLToPath(new URL('../../fixtures/histories/current/', import.meta.url));

const History = proto.temporal.api.history.v1.History;
/** protobufjs' own object form (enums and 64-bit numbers as strings, bytes as base64): JSON that round-trips exactly. */
const TO_OBJECT = { longs: String, enums: String, bytes: String } as const;

export function historyToJson(history: proto.temporal.api.history.v1.IHistory): string {
  return JSON.stringify(History.toObject(History.fromObject(history), TO_OBJECT));
}

export function historyFromJson(json: string): proto.temporal.api.history.v1.History {
  return History.fromObject(JSON.parse(json) as Record<string, unknown>);
}

export interface ExportedRun {
  workflowId: string;
  runId: string;
  /** The whole history as JSON, payloads included (what an operator exporting it would see). */
  json: string;
}

/** Every run of an incident, following continue-as-new from the first run to the last. */
export async function exportHistories(client: Client, handle: WorkflowHandle): Promise<ExportedRun[]> {
  const runs: ExportedRun[] = [];
  // The handle from start() knows the first run; describe() would only name the latest.
  let runId: string | undefined = (handle as WorkflowHandleWithFirstExecutionRunId).firstExecutionRunId;
  while (runId) {
    const history = await client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
    runs.push({ workflowId: handle.workflowId, runId, json: historyToJson(history) });
    runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return runs;
}

/**
 * The history as a person grepping an export would search it: the JSON plus every payload decoded
 * (payload bytes are base64 in the export, so a plain search would miss a leaked key).
 */
export function searchableHistoryText(json: string): string {
  const decoded: string[] = [];
  const walk = (value: unknown, key?: string): void => {
    if (typeof value === 'string') {
      if (key === 'data') decoded.push(Buffer.from(value, 'base64').toString('utf8'));
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item);
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, k);
    }
  };
  walk(JSON.parse(json));
  return [json, ...decoded].join('\n');
}

/** Regenerates test/fixtures/histories/current/<name>.json when RECORD_HISTORIES=1 (see test/workflows/replay.test.ts). */
export async function maybeRecordHistory(name: string, run: ExportedRun): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  await mkdir(CURRENT_HISTORIES_DIR, { recursive: true });
  await writeFile(`${CURRENT_HISTORIES_DIR}${name}.json`, `${run.json}\n`, 'utf8');
}
