/** What follows a step of a plan that did not simply succeed: the outcomes a document can name. */
import { z } from 'zod';
import { lazySchemaInWorkflows } from '../../contract/lazy-schema.ts';
import { Id, Text } from './schema-parts.ts';

/** What happens when an approval is declined, a secret is not given or a check fails. */
export const Outcome = lazySchemaInWorkflows(() =>
  z.union([
    z.enum(['continue', 'handOver']),
    /** Hands the incident to a human with this message. */
    z.object({ handOver: Text }).strict(),
    z.object({ resolve: Text }).strict(),
    z.object({ close: Text }).strict(),
    z.object({ goto: Id }).strict(),
  ]),
);

export type OutcomeShape = z.infer<typeof Outcome>;

/** A request asked while real calls succeed, which a failing real call overtook: an outcome, or the plan starts over. */
export const Superseded = lazySchemaInWorkflows(() => z.union([z.literal('startOver'), Outcome]));

export type SupersededShape = z.infer<typeof Superseded>;
