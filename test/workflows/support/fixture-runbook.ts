import { fileURLToPath } from 'node:url';
import type { IncidentInputDraft, RunbookDocumentPin, ServiceTarget } from '../../../src/contract/index.ts';
import { registerDocumentRunbook } from '../../../src/runbooks/index.ts';
import { readRunbookDocumentFile } from '../../../src/worker/runbook-documents.ts';
import { MIN, unitInput } from './time-skipping.ts';

/**
 * A test runbook of test/fixtures/runbooks, pinned as a worker pins a document. Registered in this
 * process too: the mocked triage activity reads its decision table.
 */
export function pinFixtureRunbook(name: string): RunbookDocumentPin {
  const file = fileURLToPath(new URL(`../../fixtures/runbooks/${name}.yaml`, import.meta.url));
  const reading = readRunbookDocumentFile(file);
  if (!reading.ok) throw new Error(`${file}: ${JSON.stringify(reading.problems)}`);
  registerDocumentRunbook(reading.pin, { builtin: false });
  return reading.pin;
}

/** The engine's own test runbook (test/fixtures/runbooks/engine-fixture.yaml). */
export const fixtureRunbook: RunbookDocumentPin = pinFixtureRunbook('engine-fixture');

/** An incident of a fixture runbook's service (the engine fixture's by default): unitInput's, with that runbook, its service and quicker polls. */
export function fixtureInput(
  overrides: Partial<IncidentInputDraft> = {},
  runbook: RunbookDocumentPin = fixtureRunbook,
): IncidentInputDraft & { service: ServiceTarget } {
  const { service } = unitInput();
  const own = (runbook.document as { service: { name: string; kubernetes: ServiceTarget['kubernetes'] } }).service;
  return unitInput({
    runbook: runbook.id,
    symptom: 'fixture calls fail',
    service: { ...service, name: own.name, kubernetes: own.kubernetes, settings: {} },
    timings: { pollInitialMs: MIN, pollMaxMs: 3 * MIN },
    ...overrides,
  });
}
