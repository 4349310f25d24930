import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { listIncidents, type IncidentFilters, type IncidentRow } from '../../src/app/incidents.ts';

/** An incident's list row once visibility shows what `ready` wants of it (visibility is eventually consistent). */
export async function incidentRowWhen(
  client: Client,
  id: string,
  ready: (row: IncidentRow) => boolean,
  filters: IncidentFilters = { all: false },
): Promise<IncidentRow> {
  for (let i = 0; i < 300; i += 1) {
    const row = (await listIncidents(client, filters)).find((r) => r.incidentId === id);
    if (row && ready(row)) return row;
    await sleep(100);
  }
  throw new Error(`visibility never listed ${id} as the test wants it`);
}
