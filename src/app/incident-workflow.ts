import type { WorkflowHandle } from '@temporalio/client';
import type { incidentWorkflow, syntheticCheckWorkflow } from '../workflows/index.ts';

/**
 * The incident workflow as clients see it: its type only (`import type` is erased), so starting or
 * reading an incident never loads workflow code into a client. Start it with
 * `client.workflow.start<IncidentWorkflow>(INCIDENT_WORKFLOW_TYPE, …)`: the arguments and the result
 * are then checked against the workflow's own signature, no cast.
 */
export type IncidentWorkflow = typeof incidentWorkflow;
export type IncidentHandle = WorkflowHandle<IncidentWorkflow>;

/** The scheduled synthetic check, by type only (schedules start it by its name, SYNTHETIC_CHECK_WORKFLOW_TYPE). */
export type SyntheticCheckWorkflow = typeof syntheticCheckWorkflow;
