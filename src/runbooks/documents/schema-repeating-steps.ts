/**
 * Steps that repeat within an incident, numbered from its mutation ledger (`{id}`, `{id}-2`…), so
 * that they resume after a hand-over or continue-as-new: a key rotation, a protective change held
 * through relapses, a fix confirmed until real calls bear it out.
 */
import { z } from 'zod';
import { lazySchemaInWorkflows } from '../../contract/lazy-schema.ts';
import { Id, Text } from './schema-parts.ts';
import { Outcome } from './schema-outcomes.ts';

/** The fields saying how long a change may take to work, in ms or from an integer setting: failing real calls before then are no verdict. */
export const grace = () => ({ graceMs: z.number().int().positive().optional(), graceSetting: Id.optional() });

/**
 * Rotates a secret to the newest reference a human hands over (`ask`), with approval, then
 * restarts: the nth rotation of the incident is step `{id}-n` (restart `{restart}-n`) and
 * supersedes the one before, which the engine never rolls back to. Resumes from the ledger:
 * a reference already in place is not applied again.
 */
export const RotateSecret = lazySchemaInWorkflows(() =>
  z
    .object({
      id: Id,
      secret: Id,
      restart: Id,
      ask: z.object({ id: Id, description: Text }).strict(),
      description: Text,
      /** Why the rotated secret stays when the incident ends. */
      keep: Text,
      /** No reference handed over, before any rotation (after one, a human owns the incident). */
      onMissing: Outcome.default({
        close: 'No secret reference was provided: nothing changed; handed back to a human.',
      }),
      /** The first rotation declined (a later one declined hands over: the earlier key stays). */
      onDecline: Outcome.default({ close: 'The rotation was declined: nothing changed.' }),
    })
    .strict(),
);

/**
 * Holds an approved protective change (the setEnv `step`) while the provider fails: once real
 * calls succeed again, a human is asked to take it off (`restore.id`, `-n` in cycle n; a
 * failing real call before anyone decides supersedes the request), then the change is
 * watched. A genuine relapse makes the change again as `{step}-n` (restart `{restart}-n`):
 * by itself up to the incident's maxAutoRelapses, as the approval of the first one covers it,
 * then with a human's approval. Ends when the provider stays healthy with the change off.
 * Texts may quote `{cycle}`, `{restoreStep}`, `{relapses}` and `{maxAutoRelapses}`.
 */
export const HoldUntilStable = lazySchemaInWorkflows(() =>
  z
    .object({
      step: Id,
      restart: Id,
      restore: z
        .object({
          id: Id,
          description: Text,
          /** Restart after taking the change off: `{restart}-n` in cycle n. */
          restart: Id,
          reverting: Text,
          /** Why the change stays when taking it off is declined. */
          keep: Text,
          onDecline: Outcome,
        })
        .strict(),
      relapse: z
        .object({
          /** The escalation when the change is made again by itself. */
          escalation: Text,
          /** The escalation when relapses are past maxAutoRelapses and a human decides. */
          overLimit: Text,
          /** The approval asked past maxAutoRelapses. */
          description: Text,
          mitigated: Text,
          onDecline: Outcome,
        })
        .strict(),
    })
    .strict(),
);

/**
 * A human confirms the fix (`{id}`, then `{id}-2`, `{id}-3`…), real calls verify it; while they
 * still fail, the escalation channel hears `stillFailing` and the human is asked again.
 */
export const ConfirmFix = lazySchemaInWorkflows(() =>
  z
    .object({
      id: Id,
      description: Text,
      orRecovered: z.boolean().optional(),
      ...grace(),
      onDecline: Outcome.default('handOver'),
      stillFailing: Text,
    })
    .strict(),
);

export type RotateSecretShape = z.infer<typeof RotateSecret>;
export type HoldUntilStableShape = z.infer<typeof HoldUntilStable>;
export type ConfirmFixShape = z.infer<typeof ConfirmFix>;
