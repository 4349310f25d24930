import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { ApprovalViaSchema, FreeTextSchema, PersonNameSchema, SecretRefSchema, StepIdSchema } from './common.ts';
import type { IncidentStatus, TimelineEntry } from './incident.ts';
import type { ActionAnswer, ActionRequest } from './actions.ts';
import { lazySchema } from './lazy-schema.ts';

const by = PersonNameSchema;
const text = (what: string) => FreeTextSchema.pipe(z.string().min(1, `${what} must not be empty`));

/**
 * `requestedAt`: the request the person read (its requestedAt), when the sender knows it (the
 * console's form carries it). A decision for a request that is no longer the one pending is refused.
 */
export const ApprovalSignalSchema = lazySchema(() =>
  z.object({
    stepId: StepIdSchema,
    by,
    comment: FreeTextSchema.optional(),
    via: ApprovalViaSchema.optional(),
    requestedAt: z.string().max(40).optional(),
  }),
);
export type ApprovalSignal = z.infer<typeof ApprovalSignalSchema>;
export const ByOnlySchema = lazySchema(() => z.object({ by }));
export const NoteSchema = lazySchema(() => z.object({ by, text: text('the text') }));
export const ReasonSchema = lazySchema(() => z.object({ by, reason: text('the reason') }));
export const SecretRefSignalSchema = lazySchema(() =>
  z.object({ by, stepId: StepIdSchema.optional(), ref: SecretRefSchema }),
);

/**
 * One alert from the intake. Firing alerts open (or join) the incident of their (runbook, service);
 * a resolved one is recorded and asks for a real re-check: the probes decide, never the alert.
 * `synthetic`: a scheduled synthetic check found a fault (always firing).
 */
export const AlertSignalSchema = lazySchema(() =>
  z.object({
    source: z.enum(['alertmanager', 'generic', 'synthetic']),
    status: z.enum(['firing', 'resolved']),
    fingerprint: z.string().max(200),
    summary: FreeTextSchema,
    labels: z.record(z.string(), z.string()),
    generatorURL: z.string().max(2_000).optional(),
  }),
);
export type AlertSignal = z.infer<typeof AlertSignalSchema>;

export type ApprovalAnswer = { accepted: boolean; message: string };

export const approveSignal = defineSignal<[ApprovalSignal]>('approve');
export const rejectSignal = defineSignal<[ApprovalSignal]>('reject');
/** Same handler as the signals, with a validator so the CLI gets an immediate answer. */
export const decideUpdate = defineUpdate<ApprovalAnswer, [ApprovalSignal & { decision: 'approved' | 'rejected' }]>(
  'decide',
);
export const acknowledgeSignal = defineSignal<[z.infer<typeof ByOnlySchema>]>('acknowledge');
export const noteSignal = defineSignal<[z.infer<typeof NoteSchema>]>('note');
export const setRootCauseSignal = defineSignal<[z.infer<typeof NoteSchema>]>('setRootCause');
export const resolveSignal = defineSignal<[z.infer<typeof ReasonSchema>]>('resolve');
export const cancelSignal = defineSignal<[z.infer<typeof ReasonSchema>]>('cancel');
/** Resolve, cancel, verify again, revert a change: refused at once (validator) when the action table does not allow it. */
export const actUpdate = defineUpdate<ActionAnswer, [ActionRequest]>('act');
export const alertSignal = defineSignal<[AlertSignal]>('alert');
/** A human hands over where a new secret lives (never its value). */
export const provideSecretRefSignal = defineSignal<[z.infer<typeof SecretRefSignalSchema>]>('provideSecretRef');

export const statusQuery = defineQuery<IncidentStatus>('status');
export const timelineQuery = defineQuery<TimelineEntry[]>('timeline');
export const postmortemQuery = defineQuery<string>('postmortem');
