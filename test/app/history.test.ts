import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { incidentHistories } from '../../src/app/history.ts';
import type { IncidentWorkflow } from '../../src/app/incident-workflow.ts';
import { alertSignal, INCIDENT_WORKFLOW_TYPE } from '../../src/contract/index.ts';
import { connectTestClient, uniqueTaskQueue } from '../support/temporal.ts';

let client: Client;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ client, close } = await connectTestClient());
});
afterAll(() => close());

describe('reading an incident history (real Temporal server)', () => {
  it('reads a history whose default page would outgrow the 4 MB gRPC message limit (400 signals of 30 kB)', async () => {
    const queue = uniqueTaskQueue('history');
    // No worker: the server records every signal while the incident waits for one.
    const handle = await client.workflow.start<IncidentWorkflow>(INCIDENT_WORKFLOW_TYPE, {
      taskQueue: queue,
      workflowId: `incident-${queue}`,
      args: [{} as Parameters<IncidentWorkflow>[0]],
    });
    const label = 'x'.repeat(30_000);
    for (let i = 0; i < 400; i += 50)
      await Promise.all(
        Array.from({ length: 50 }, (_, j) => handle.signal(alertSignal, { fingerprint: `${i + j}`, label } as never)),
      );

    const [run] = await incidentHistories(client, handle.workflowId);
    expect(run!.events.filter((e) => e.workflowExecutionSignaledEventAttributes).length).toBe(400);
    await handle.terminate('test finished');
  });
});
