import { fileURLToPath } from 'node:url';
import type { IncidentInputDraft, RunbookDocumentPin, ServiceTarget } from '../../../src/contract/index.ts';
import { registerDocumentRunbook } from '../../../src/runbooks/index.ts';
import { readRunbookDocumentFile } from '../../../src/worker/runbook-documents.ts';
import { MIN, unitInput } from './time-skipping.ts';

const FIXTURE = fileURLToPath(new URL('../../fixtures/runbooks/engine-fixture.yaml', import.meta.url));

function readFixture(): RunbookDocumentPin {
  const reading = readRunbookDocumentFile(FIXTURE);
  if (!reading.ok) throw new Error(`${FIXTURE}: ${JSON.stringify(reading.problems)}`);
  return reading.pin;
}

/**
 * The engine's own test runbook (test/fixtures/runbooks/engine-fixture.yaml), pinned as a worker
 * pins a document. Registered in this process too: the mocked triage activity reads its decision table.
 */
export const fixtureRunbook: RunbookDocumentPin = readFixture();
registerDocumentRunbook(fixtureRunbook, { builtin: false });

/** An incident of the fixture service: unitInput's, with the fixture's runbook, service and quicker polls. */
export function fixtureInput(
  overrides: Partial<IncidentInputDraft> = {},
): IncidentInputDraft & { service: ServiceTarget } {
  const { service } = unitInput();
  return unitInput({
    runbook: fixtureRunbook.id,
    symptom: 'fixture calls fail',
    service: {
      ...service,
      name: 'fixture-service',
      kubernetes: { namespace: 'prod', deployment: 'fixture-service' },
      settings: {},
    },
    timings: { pollInitialMs: MIN, pollMaxMs: 3 * MIN },
    ...overrides,
  });
}
