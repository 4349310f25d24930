// src/contract: what every side shares — task queue, signals, queries, update, schemas, error types, the kubectl renderer; imports nothing else from src.
import { defineSearchAttributeKey } from '@temporalio/common';

export * from './common.ts';
export * from './identity.ts';
export * from './probes.ts';
export * from './rounds.ts';
export * from './hint-watch.ts';
export * from './mutations.ts';
export * from './kubectl.ts';
export * from './errors.ts';
export * from './incident.ts';
export * from './notifications.ts';
export * from './signals.ts';
export * from './actions.ts';
export * from './catalog.ts';
export * from './intake.ts';
export * from './unknown-keys.ts';
export * from './timeline-digest.ts';
export * from './attention.ts';

export const TASK_QUEUE = 'runbook-incidents';
export const INCIDENT_WORKFLOW_TYPE = 'incidentWorkflow';

export const SEARCH_ATTRIBUTES = {
  severity: defineSearchAttributeKey('IncidentSeverity', 'KEYWORD'),
  cause: defineSearchAttributeKey('IncidentCause', 'KEYWORD'),
  state: defineSearchAttributeKey('IncidentState', 'KEYWORD'),
  /** The (runbook, service, task queue) slot of an incident opened by alerts or synthetic checks (see incidentSlot). */
  slot: defineSearchAttributeKey('IncidentSlot', 'KEYWORD'),
} as const;

/**
 * Executions per page of a visibility listing. The server's default page (1,000 executions, each
 * with its memo and search attributes) outgrows gRPC's 4 MB message limit on a busy namespace; a
 * listing that fails there would leave the console, the intake or a review blind.
 */
export const VISIBILITY_PAGE_SIZE = 100;

/** For `temporal server start-dev --search-attribute` and `operatorService.addSearchAttributes`. */
export const SEARCH_ATTRIBUTE_REGISTRATIONS = Object.values(SEARCH_ATTRIBUTES).map((k) => ({
  name: k.name,
  type: 'Keyword' as const,
}));

/** `incident-<yyyymmdd>-<slug>` */
export function incidentWorkflowId(date: Date, slug: string): string {
  const day = date.toISOString().slice(0, 10).replaceAll('-', '');
  const clean = slug
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `incident-${day}-${clean || 'unnamed'}`;
}
