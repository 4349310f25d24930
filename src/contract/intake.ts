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
 * The workflow id of the `generation`-th incident opened by alerts or synthetic checks for
 * (runbook, service) on this engine: `incident-<runbook>-<service>.<task queue>` for the first,
 * `incident-<runbook>-<service>-<n>.<task queue>` for later outages, so that no two incidents ever
 * share an id. The task queue is part of it: engines sharing a namespace on different task queues
 * are separate engines.
 */
export function alertIncidentId(target: IntakeTarget, taskQueue: string, generation = 1): string {
  const clean = (text: string) => text.replace(/[^A-Za-z0-9._-]/g, '-');
  const head = clean(`incident-${target.runbook}-${target.service}`);
  const tail = clean(`.${taskQueue}`);
  if (generation <= 1) return `${head}${tail}`.slice(0, ALERT_INCIDENT_ID_MAX);
  const suffix = `-${generation}`;
  // Shortened from the head: the generation and the task queue keep each id distinct.
  const room = ALERT_INCIDENT_ID_MAX - suffix.length - tail.length;
  if (room > 0) return `${head.slice(0, room)}${suffix}${tail}`;
  return `${`${head}${tail}`.slice(0, ALERT_INCIDENT_ID_MAX - suffix.length)}${suffix}`;
}

const ALERT_INCIDENT_ID_MAX = 120;

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
