import { z } from 'zod';
import { lazySchema } from './lazy-schema.ts';

/** Pending approval steps the memo names, oldest first; the rest are only counted. */
export const ATTENTION_STEPS_MAX = 5;

/**
 * Who owns an incident and what it waits for from people, as its memo says it. The console's list,
 * its metrics and the load bench read it from visibility with every row: a status query instead
 * would make the worker replay each incident its cache has evicted, at every page load and scrape.
 */
export const IncidentAttentionSchema = lazySchema(() =>
  z.object({
    owner: z.string().nullable(),
    approvalsPending: z.number().int().nonnegative(),
    pendingSteps: z.array(z.object({ stepId: z.string(), requestedAt: z.string() })).max(ATTENTION_STEPS_MAX),
    /** When the engine handed the incident to a human (null unless it did, and has not resumed). */
    handedOverAt: z.string().nullable(),
  }),
);
export type IncidentAttention = z.infer<typeof IncidentAttentionSchema>;

/** What an incident whose memo says nothing of it yet waits for: nobody owns it, nothing is asked. */
export const NO_ATTENTION: Readonly<IncidentAttention> = {
  owner: null,
  approvalsPending: 0,
  pendingSteps: [],
  handedOverAt: null,
};

/** The attention a memo records (the incident's memo as visibility or a describe returns it). */
export function attentionOf(memo: Record<string, unknown> | undefined): IncidentAttention {
  const summary = memo?.summary as { attention?: unknown } | undefined;
  const parsed = IncidentAttentionSchema.safeParse(summary?.attention);
  return parsed.success ? parsed.data : { ...NO_ATTENTION, pendingSteps: [] };
}
