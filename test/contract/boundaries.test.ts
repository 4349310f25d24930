import { describe, expect, it } from 'vitest';
import { ErrorTypes, INCIDENT_WORKFLOW_TYPE } from '../../src/contract/index.ts';
import { incidentWorkflow } from '../../src/workflows/index.ts';

describe('the names the Temporal boundary is keyed by', () => {
  it('clients start the incident workflow by the name the worker registers it under (the exported function name)', () => {
    expect(incidentWorkflow.name).toBe(INCIDENT_WORKFLOW_TYPE);
  });

  it('every error type is recorded under its own name, so history and catchers agree', () => {
    for (const [name, type] of Object.entries(ErrorTypes)) expect(type).toBe(name);
  });
});
