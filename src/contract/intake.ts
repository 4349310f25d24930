import { z } from 'zod';
import { ServiceNameSchema, type IncidentStart } from './catalog.ts';
import type { IncidentResult } from './incident.ts';
import type { Decision, ProbeResult } from './probes.ts';
import { lazySchema } from './lazy-schema.ts';

/** Where an alert or a synthetic check belongs: the runbook and catalog service it names. */
export interface IntakeTarget {
  runbook: string;
  service: string;
}

/**
 * The one workflow id of an incident opened by an alert or a synthetic check, per (runbook,
 * service) on this engine. The task queue is part of it: engines sharing a namespace on different
 * task queues are separate engines.
 */
export function alertIncidentId(target: IntakeTarget, taskQueue: string): string {
  return `incident-${target.runbook}-${target.service}.${taskQueue}`.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 120);
}

/**
 * The incident workflow as the intake starts it (signal-with-start): a start request in, the result
 * out. Code that cannot see the workflow's own type (activities) starts it typed by this.
 */
export type IncidentStarter = (start: IncidentStart) => Promise<IncidentResult>;

export const SYNTHETIC_CHECK_WORKFLOW_TYPE = 'syntheticCheckWorkflow';

/** What a schedule passes to every synthetic check it starts. */
export const SyntheticCheckInputSchema = lazySchema(() => z
  .object({
    /** The schedule that runs the check: its runs share one daily billed budget. */
    scheduleId: z.string().min(1).max(200),
    runbook: z.string().min(1),
    service: ServiceNameSchema,
    /** Billed probe calls all runs of the schedule may make per UTC day. */
    billedPerDay: z.number().int().min(0),
  })
  .strict());
export type SyntheticCheckInput = z.infer<typeof SyntheticCheckInputSchema>;

export interface SyntheticCheckResult {
  /** `inconclusive`: the decisive probes could not run on our side (e.g. the key is unreadable): no incident is guessed. */
  outcome: 'healthy' | 'fault' | 'inconclusive';
  decision: Pick<Decision, 'cause' | 'severity' | 'rationale'>;
  /** Whether the billed probes ran (false: the daily budget is spent, free probes only). */
  billed: boolean;
  /** Billed calls of this schedule today, before this run, and the daily budget. */
  budget: { day: string; spentBefore: number; perDay: number; thisRun: number };
  /** Said when the check ran free probes only, or could not decide. */
  note: string | null;
  probes: ProbeResult[];
  /** The incident the fault opened or joined. */
  incidentId: string | null;
}

/** Memo a synthetic check writes on itself before it spends billed calls: the schedule's ledger. */
export const SYNTHETIC_BILLED_MEMO = 'syntheticBilled';

/** Memo of a schedule this engine created (how `runbook schedule list` recognises its own). */
export const SyntheticScheduleMemoSchema = lazySchema(() => z.object({
  kind: z.literal('synthetic-check'),
  runbook: z.string(),
  service: z.string(),
  every: z.string(),
  billedPerDay: z.number().int(),
  taskQueue: z.string(),
}));
export type SyntheticScheduleMemo = z.infer<typeof SyntheticScheduleMemoSchema>;
