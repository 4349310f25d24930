/** The tooling part of the runbook document format: simulator profile, scenarios and drill seed, all data. */
import { z } from 'zod';
import { lazySchemaInWorkflows } from '../../contract/lazy-schema.ts';
import { Auth, Id, Text } from './schema-parts.ts';

const Range = lazySchemaInWorkflows(() => z.tuple([z.number().nonnegative(), z.number().nonnegative()]));
const Scalar = lazySchemaInWorkflows(() => z.union([z.string(), z.number(), z.boolean()]));

/** How the provider checks one request field: a request that breaks a rule is a 400 naming the field. */
const FieldRule = lazySchemaInWorkflows(() =>
  z
    .object({
      /** Multipart values arrive as text: an integer or number field reads them as numbers. */
      type: z.enum(['string', 'integer', 'number', 'boolean']).default('string'),
      required: z.boolean().optional(),
      enum: z.array(z.string()).min(1).optional(),
      min: z.number().optional(),
      max: z.number().optional(),
      minLength: z.number().int().positive().optional(),
      /** A regular expression the whole value must match, and how to say so (`like 16x9`). */
      pattern: Text.optional(),
      patternHint: Text.optional(),
      /** The value a request without the field gets (latency and success bodies read it). */
      default: Scalar.optional(),
    })
    .strict(),
);

const EndpointSim = lazySchemaInWorkflows(() =>
  z
    .object({
      id: Id,
      kind: z.enum(['api', 'statusPage', 'images']),
      method: z.enum(['GET', 'POST']),
      path: Text,
      /** JSON body fields a request must have (dot paths), or it is a 400. */
      requires: z.array(Text).optional(),
      /** Request fields (dot paths) and how the provider checks them. */
      request: z.record(Text, FieldRule).optional(),
      /** Latency the provider documents, [min, max] ms. */
      latencyMs: Range.optional(),
      /** Latency by the value of a request field (after its default), e.g. a model or a rendering speed; `otherwise` for other values. */
      latencyBy: z
        .object({ field: Text, values: z.record(z.string(), Range), otherwise: Range.optional() })
        .strict()
        .optional(),
      /**
       * The success body; the strings `{{fileUrl}}`, `{{now}}` (epoch seconds), `{{nowIso}}` and
       * `{{request.<field>}}` (a field of `request`, with its default; `{{request.<field>|hash:<other>}}`:
       * else a number derived from the other field, the same for the same text) are filled in.
       */
      success: z.unknown().optional(),
      /** The request body field (dot path) that says how many units (e.g. images) it asks for; 1 when absent. */
      units: Text.optional(),
      /** The success body's array (dot path) that holds one element per unit: its first element, repeated. */
      perUnit: Text.optional(),
      /** When a request field matches `matches` (a regular expression, any case), each per-unit element takes `set` (e.g. an unsafe image has no URL). */
      perUnitWhen: z
        .array(z.object({ field: Text, matches: Text, set: z.record(z.string(), z.unknown()) }).strict())
        .optional(),
    })
    .strict(),
);

const Simulator = lazySchemaInWorkflows(() =>
  z
    .object({
      name: Text,
      auth: Auth,
      unresolvableHost: Text,
      endpoints: z.array(EndpointSim).min(1),
      unauthorized: z.object({ status: z.number().int().min(400).max(499), body: z.unknown() }).strict(),
      inflightLimited: z.object({ body: z.unknown(), headers: z.record(z.string(), z.string()).default({}) }).strict(),
      /** Error bodies by status (`529`) or class (`5xx`, `4xx`); `{status}` is filled in. */
      errors: z.record(
        z.string().regex(/^([1-5][0-9][0-9]|[1-5]xx)$/, 'a status like 529 or a class like 5xx'),
        z.unknown(),
      ),
    })
    .strict(),
);

const Scenario = lazySchemaInWorkflows(() =>
  z
    .object({
      description: Text,
      /** Scenario-file phases (README, Scenario files), keyed by the simulator's endpoint ids. */
      phases: z.array(z.record(z.string(), z.unknown())).min(1),
      expectedCause: Id,
      unresolvableHost: z.boolean().optional(),
    })
    .strict(),
);

export const Tooling = lazySchemaInWorkflows(() =>
  z
    .object({
      simulator: Simulator,
      scenarios: z.record(Id, Scenario),
      drill: z
        .object({
          keyEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name'),
          /** The deployment's environment a drill starts with. */
          env: z.record(z.string(), z.string()).default({}),
          /** CronJobs around the deployment a drill starts with, by their labels. */
          cronJobs: z.array(z.object({ name: Text, labels: z.record(z.string(), z.string()) }).strict()).default([]),
          compressedSettings: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
        })
        .strict(),
    })
    .strict(),
);
