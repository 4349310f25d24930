/** The decision part of the runbook document format: conditions over probe results, rules, corroboration. */
import { z } from 'zod';
import { lazySchemaInWorkflows } from '../../contract/lazy-schema.ts';
import { Id, Text } from './schema-parts.ts';

export const Severity = lazySchemaInWorkflows(() => z.enum(['P1', 'P2', 'P3', 'P4']));
const FaultKind = lazySchemaInWorkflows(() => z.enum(['timeout', 'dns', 'connect', 'reset', 'tls', 'bad_body']));
/** A status code or a class of them (`5xx`). */
const StatusMatch = lazySchemaInWorkflows(() =>
  z.union([z.number().int().min(100).max(599), z.enum(['1xx', '2xx', '3xx', '4xx', '5xx'])]),
);

/** What one probe result must show: every field given must hold. */
export interface ResultMatchShape {
  status?: Array<number | string>;
  fault?: string[];
  ok?: boolean;
  answered?: boolean;
  bodyContains?: string;
  latencyOver?: string;
}

/** A percentile of the latencies of the selected probes' successful calls, above a threshold. */
export interface LatencyPercentileShape {
  percentile: number;
  over: string;
  withHistory?: boolean;
}

export interface ConditionShape extends ResultMatchShape {
  always?: true;
  as?: string;
  latencyPercentile?: LatencyPercentileShape;
  reported?: string;
  all?: ConditionShape[];
  any?: ConditionShape[];
  not?: ConditionShape;
  probes?: string[];
  every?: boolean;
  either?: ResultMatchShape[];
}

const resultMatchFields = () => ({
  status: z.array(StatusMatch).min(1).optional(),
  fault: z.array(FaultKind).min(1).optional(),
  ok: z.boolean().optional(),
  /** Got an HTTP answer (any status). */
  answered: z.boolean().optional(),
  bodyContains: Text.optional(),
  /** Name of a threshold (`thresholds`): latency strictly above it. */
  latencyOver: Id.optional(),
});

/** One alternative of `either`: a result holds when it shows one of them (e.g. a 5xx, or a reset). */
const ResultMatch = lazySchemaInWorkflows(() => z.object(resultMatchFields()).strict());

/**
 * One condition over the round's provider evidence. Combinators (`all`, `any`, `not`, `always`) or a
 * match: the results of `probes` (default: every probe) of which some (or, with `every`, all) have
 * the listed status, fault, outcome, body text or latency above a threshold.
 */
const Condition: z.ZodType<ConditionShape> = z.lazy(() =>
  z
    .object({
      always: z.literal(true).optional(),
      all: z.array(Condition).min(1).optional(),
      any: z.array(Condition).min(1).optional(),
      not: Condition.optional(),
      probes: z.array(Id).min(1).optional(),
      every: z.boolean().optional(),
      ...resultMatchFields(),
      /** Besides the fields above, the result shows at least one of these. */
      either: z.array(ResultMatch).min(1).optional(),
      /**
       * The selected probes' successful calls (this round, and every earlier round of the incident
       * with `withHistory`): their latency percentile (nearest rank) is above the named threshold.
       */
      latencyPercentile: z
        .object({
          percentile: z.number().int().min(1).max(100),
          over: Id,
          withHistory: z.boolean().default(false),
        })
        .strict()
        .optional(),
      /** A human reported this cause when opening the incident (what probes cannot see). */
      reported: Id.optional(),
      /** A name for the results this match selects: the rationale quotes them as `{name}`. */
      as: Id.optional(),
    })
    .strict(),
) as z.ZodType<ConditionShape>;

export const Rule = lazySchemaInWorkflows(() =>
  z
    .object({
      id: Id,
      when: Condition,
      cause: Id,
      /** `{evidence}` is replaced by the cited probe results. */
      rationale: Text,
      /**
       * The results cited as evidence, when they are not those the condition matched: every result of
       * the round (in round order) that one of these matches (`probes` and the result fields) selects.
       */
      cite: z.array(Condition).min(1).optional(),
    })
    .strict(),
);

const Indicator = lazySchemaInWorkflows(() => z.string().min(1));
/**
 * One row of the corroboration table: when the status page and the decided cause look like this,
 * the decision gets this confidence and note. The first row that holds decides.
 */
const CorroborationRow = lazySchemaInWorkflows(() =>
  z
    .object({
      /** `unavailable`: the page could not be read; else the indicators (`none`, `minor`, `major`, …) it must show. */
      page: z.union([z.literal('unavailable'), z.array(Indicator).min(1)]).optional(),
      /** The page shows an indicator other than these. */
      pageNot: z.array(Indicator).min(1).optional(),
      /** The cause is a provider fault (not the healthy cause, not one of `notFaults`), or not. */
      fault: z.boolean().optional(),
      causes: z.array(Id).min(1).optional(),
      confidence: z.enum(['high', 'medium', 'low']),
      /** `{indicator}` is the page's indicator. */
      note: Text.optional(),
      /** The provider's own word raises the severity of these causes (never lowers it). */
      raise: z
        .object({ causes: z.array(Id).min(1), to: Severity, note: Text })
        .strict()
        .optional(),
    })
    .strict(),
);

/** The default table: the page corroborates a fault it reports and a health it confirms; otherwise the API answers decide. */
export const DEFAULT_CORROBORATION_TABLE: Array<z.input<typeof CorroborationRow>> = [
  { page: 'unavailable', confidence: 'medium', note: 'status page unavailable: judged by the API answers alone' },
  { fault: true, pageNot: ['none'], confidence: 'high', note: 'status page reports "{indicator}": corroborates' },
  { fault: false, page: ['none'], confidence: 'high', note: 'status page reports "{indicator}": corroborates' },
  { confidence: 'medium', note: 'status page reports "{indicator}": the API answers decide' },
];

/** How the status page and other side facts qualify a decision: confidence and notes, never the cause. */
export const Corroboration = lazySchemaInWorkflows(() =>
  z
    .object({
      /** Causes that are no provider fault besides the healthy cause (a prompt issue, a human's report). */
      notFaults: z.array(Id).default([]),
      /** Ordered; when no row holds the confidence is high and there is no note. */
      table: z.array(CorroborationRow).min(1).default(DEFAULT_CORROBORATION_TABLE),
      /** Notes added when a condition over the round holds (e.g. our DNS probe fails, yet the API answered). */
      notes: z.array(z.object({ when: Condition, note: Text }).strict()).default([]),
      /** Name the probes that could not run on our side (they are left out of every rule). */
      noteUnrunnable: z.boolean().default(false),
    })
    .strict(),
);

export type CorroborationRowShape = z.infer<typeof CorroborationRow>;
