/** The tooling part of the runbook document format: simulator profile, scenarios and drill seed, all data. */
import { z } from 'zod';
import { Auth, Id, Text } from './schema-parts.ts';

const EndpointSim = z
  .object({
    id: Id,
    kind: z.enum(['api', 'statusPage', 'images']),
    method: z.enum(['GET', 'POST']),
    path: Text,
    /** JSON body fields a request must have (dot paths), or it is a 400. */
    requires: z.array(Text).optional(),
    /** Latency the provider documents, [min, max] ms. */
    latencyMs: z.tuple([z.number().nonnegative(), z.number().nonnegative()]).optional(),
    /** The success body; the strings `{{fileUrl}}` and `{{now}}` are filled in. */
    success: z.unknown().optional(),
    /** The request body field (dot path) that says how many units (e.g. images) it asks for; 1 when absent. */
    units: Text.optional(),
    /** The success body's array (dot path) that holds one element per unit: its first element, repeated. */
    perUnit: Text.optional(),
  })
  .strict();

const Simulator = z
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
  .strict();

const Scenario = z
  .object({
    description: Text,
    /** Scenario-file phases (README, Scenario files), keyed by the simulator's endpoint ids. */
    phases: z.array(z.record(z.string(), z.unknown())).min(1),
    expectedCause: Id,
    unresolvableHost: z.boolean().optional(),
  })
  .strict();

export const Tooling = z
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
  .strict();
