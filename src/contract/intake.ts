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

/** The UTC day of `at` as `yyyymmdd`: the day part of alert incident ids. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10).replaceAll('-', '');
}

// Encoded components never contain ':' or '@', so the separators below make ids injective.
const part = (text: string) => encodeURIComponent(text);

/**
 * The slot of (runbook, service) on this engine, `<runbook>:<service>@<task queue>`: at most one
 * open incident per slot. Recorded as the IncidentSlot search attribute, so an incident opened on
 * an earlier day is found and joined. The task queue is part of it: engines sharing a namespace
 * on different task queues are separate engines.
 */
export function incidentSlot(target: IntakeTarget, taskQueue: string): string {
  return `${part(target.runbook)}:${part(target.service)}@${part(taskQueue)}`;
}

/**
 * The workflow id of the `generation`-th incident that alerts or synthetic checks opened for the
 * slot on UTC `day` (yyyymmdd): `incident:<runbook>:<service>:<day>-<n>@<task queue>`.
 * Unique forever: components are percent-encoded and separated by characters the encoding never
 * leaves, so no two (runbook, service, task queue, day, generation) share an id; and an id carries
 * the day it was opened on, so once Temporal's retention (at least a day) deletes a closed
 * incident, its id is never minted again. Manual ids (`incident-…`) cannot contain ':' or '@'.
 */
export function alertIncidentId(target: IntakeTarget, taskQueue: string, day: string, generation = 1): string {
  const [slotHead, queue] = incidentSlot(target, taskQueue).split('@');
  return `incident:${slotHead}:${day}-${generation}@${queue}`;
}

/** The day and generation of an id made by alertIncidentId; undefined for any other id. */
export function alertIncidentGeneration(incidentId: string): { day: string; generation: number } | undefined {
  const match = /^incident:[^:@]*:[^:@]*:(\d{8})-(\d+)@[^:@]*$/.exec(incidentId);
  return match ? { day: match[1]!, generation: Number(match[2]) } : undefined;
}

/**
 * The incident workflow as the intake starts it (signal-with-start): a start request in, the result
 * out. Code that cannot see the workflow's own type (activities) starts it typed by this.
 */
export type IncidentStarter = (start: IncidentStart) => Promise<IncidentResult>;

export const SYNTHETIC_CHECK_WORKFLOW_TYPE = 'syntheticCheckWorkflow';

/** What a schedule passes to every synthetic check it starts. */
export const SyntheticCheckInputSchema = lazySchema(() =>
  z
    .object({
      /** The schedule that runs the check: its runs share one daily billed budget. */
      scheduleId: z.string().min(1).max(200),
      runbook: z.string().min(1),
      service: ServiceNameSchema,
      /** Billed probe calls all runs of the schedule may make per UTC day. */
      billedPerDay: z.number().int().min(0),
    })
    .strict(),
);
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
export const SyntheticScheduleMemoSchema = lazySchema(() =>
  z.object({
    kind: z.literal('synthetic-check'),
    runbook: z.string(),
    service: z.string(),
    every: z.string(),
    billedPerDay: z.number().int(),
    taskQueue: z.string(),
  }),
);
export type SyntheticScheduleMemo = z.infer<typeof SyntheticScheduleMemoSchema>;
