// An incident for the workflow tests and benches that run it with mocked activities: what it is
// started with, and the activities that play its service. Free of the test runner, so a bench can
// use it too.
import {
  ApprovalPolicySchema,
  type IncidentInputDraft,
  type IncidentStart,
  type ServiceTarget,
} from '../../../src/contract/index.ts';
import { createMockActivities, type MockActivityOptions } from './mock-activities.ts';

export const MIN = 60_000;
export const HOUR = 60 * MIN;

/** Production-like timings: the time-skipping server makes hours cheap. */
export function unitInput(
  overrides: Partial<IncidentInputDraft> = {},
): IncidentInputDraft & { service: ServiceTarget } {
  return {
    runbook: 'ideogram',
    trigger: 'alert',
    reporter: 'alice',
    symptom: 'all generations fail',
    service: {
      name: 'image-service',
      baseUrl: 'http://127.0.0.1:9',
      statusPageUrl: 'http://127.0.0.1:9/status.json',
      apiKeyRef: { kind: 'env', name: 'UNIT_TEST_KEY' },
      kubernetes: { namespace: 'prod', deployment: 'image-service' },
      settings: { secretName: 'image-secrets', secretKey: 'api-key', batchSelector: 'tier=batch' },
    },
    policy: { timeoutMs: 24 * HOUR },
    ...overrides,
  };
}

/**
 * The workflow learns its service from the worker: the inline service and policy become the mock
 * catalog's entry, and the incident is started naming the service.
 */
export function unitActivities(input: IncidentInputDraft & { service: ServiceTarget }, mock: MockActivityOptions = {}) {
  const { service, policy, billedProbeBudget, billedProbesPerHour, ...request } = input;
  const resolved = {
    name: service.name,
    runbook: input.runbook ?? 'ideogram',
    target: service,
    policy: ApprovalPolicySchema.parse(policy ?? {}),
    billedProbeBudget,
    billedProbesPerHour,
    ...(mock.runbookDocument ? { runbookDocument: mock.runbookDocument } : {}),
  };
  const { activities, events } = createMockActivities({ ...mock, resolved });
  const start: IncidentStart = { ...request, service: service.name };
  return { activities, events, start };
}
