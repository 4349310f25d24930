import { z } from 'zod';
import { SecretRefSchema } from './common.ts';
import { lazySchema } from './lazy-schema.ts';

export const ProbeErrorKindSchema = lazySchema(() => z.enum(['timeout', 'dns', 'connect', 'reset', 'tls', 'bad_body']));
export type ProbeErrorKind = z.infer<typeof ProbeErrorKindSchema>;

/** A probe as a runbook declares it: data only, executed by the generic probe activity. */
export const ProbeSpecSchema = lazySchema(() =>
  z.discriminatedUnion('kind', [
    z.object({
      kind: z.literal('http'),
      id: z.string(),
      description: z.string(),
      method: z.enum(['GET', 'POST']),
      /** Relative to the service's base URL, or absolute when `urlFrom` says so. */
      path: z.string(),
      urlFrom: z.enum(['baseUrl', 'statusPageUrl']).default('baseUrl'),
      json: z.unknown().optional(),
      multipart: z.record(z.string(), z.string()).optional(),
      /** Header that carries the service's API key as is (resolved inside the activity); `auth` for a scheme. */
      authHeader: z.string().optional(),
      /** Fixed request headers the API requires (e.g. a version header): never a credential, which only `auth` sends. */
      headers: z.record(z.string(), z.string()).optional(),
      /** How the key is sent: `<header>: <prefix><key>`, e.g. `{header: 'Authorization', prefix: 'Bearer '}`. */
      auth: z.object({ header: z.string().min(1), prefix: z.string().optional() }).optional(),
      /** Costs money at the provider: counted against the incident's probe budget. */
      billed: z.boolean().default(false),
      timeoutMs: z.number().int().positive(),
      /** JSON path (dot separated, numeric indexes) of an image URL to hand to a later download probe. */
      extractUrl: z.string().optional(),
      /** JSON path whose value is reported in `detail` (e.g. the status page indicator). */
      extractField: z.string().optional(),
      /**
       * What a 2xx answer must contain to count as a success: a JSON body with these paths present.
       * A 200 with an HTML page, an empty or truncated body, or JSON without them fails as `bad_body`.
       */
      expectJson: z.array(z.string()).optional(),
    }),
    z.object({
      kind: z.literal('dns'),
      id: z.string(),
      description: z.string(),
      timeoutMs: z.number().int().positive(),
      billed: z.literal(false).default(false),
    }),
    z.object({
      kind: z.literal('download'),
      id: z.string(),
      description: z.string(),
      /** Probe id whose extracted URL is downloaded. */
      after: z.string(),
      timeoutMs: z.number().int().positive(),
      billed: z.literal(false).default(false),
    }),
    z.object({
      kind: z.literal('timing'),
      id: z.string(),
      description: z.string(),
      /**
       * Probe id of the same round whose call is timed. Nothing is sent: every result records how long
       * its own call took, so a latency reading costs no second (billed) call.
       */
      after: z.string(),
      /** Unused (nothing is called); kept so every spec has one. */
      timeoutMs: z.number().int().positive(),
      billed: z.literal(false).default(false),
    }),
  ]),
);
export type ProbeSpec = z.infer<typeof ProbeSpecSchema>;
export type ProbeSpecInput = z.input<typeof ProbeSpecSchema>;

export const ProbeTargetSchema = lazySchema(() =>
  z.object({
    baseUrl: z.url(),
    statusPageUrl: z.url().optional(),
    /** Host name resolved by DNS probes; defaults to the base URL's host. */
    apiHost: z.string().optional(),
    apiKeyRef: SecretRefSchema,
  }),
);
export type ProbeTarget = z.infer<typeof ProbeTargetSchema>;

export const ProbeResultSchema = lazySchema(() =>
  z.object({
    probe: z.string(),
    ok: z.boolean(),
    httpStatus: z.number().int().nullable(),
    errorKind: ProbeErrorKindSchema.nullable(),
    latencyMs: z.number().nonnegative(),
    /** Short, sanitised excerpt: never a key, never a whole body. */
    detail: z.string(),
    billed: z.boolean(),
    /** Set when the spec asked for `extractUrl` and the response had one. */
    extractedUrl: z.string().optional(),
    /** Set when the spec asked for `extractField`. */
    extractedField: z.string().optional(),
    /**
     * Whose behaviour this result shows. `provider`: the provider answered, or the network failed on
     * the way. `self`: the probe could not run on our side (secret unreadable, activity failed, budget
     * spent), which says nothing about the provider. Absent counts as provider evidence.
     */
    source: z.enum(['provider', 'self']).optional(),
    /** With `source: self`: what stopped the probe, in words a human can act on. */
    blocker: z.string().optional(),
  }),
);
export type ProbeResult = z.infer<typeof ProbeResultSchema>;

export const DecisionSchema = lazySchema(() =>
  z.object({
    cause: z.string(),
    severity: z.enum(['P1', 'P2', 'P3', 'P4']),
    rationale: z.string(),
    evidence: z.array(z.string()),
    /** How strongly corroborating signals (status page, DNS) agree with what the API answered. */
    confidence: z.enum(['high', 'medium', 'low']).optional(),
    /** Corroborating observations: they may raise confidence or severity, never change the cause. */
    corroboration: z.array(z.string()).optional(),
    /** What failed before the re-checks succeeded, when a fault was judged transient (so no record says every probe passed). */
    transient: z.string().optional(),
  }),
);
export type Decision = z.infer<typeof DecisionSchema>;

type TimingSpec = Extract<ProbeSpecInput, { kind: 'timing' }>;

/**
 * A timing probe's result: the timed call's own result (status, error, latency) under the timing
 * probe's id, never billed again. When the timed call did not run, neither did this.
 */
export function timingResult(spec: TimingSpec, timed: ProbeResult | undefined): ProbeResult {
  if (!timed) {
    const blocker = `${spec.after} is not in this round`;
    return {
      probe: spec.id,
      ok: false,
      httpStatus: null,
      errorKind: null,
      latencyMs: 0,
      billed: false,
      detail: `skipped: ${blocker}`,
      source: 'self',
      blocker,
    };
  }
  const { extractedUrl: _url, extractedField: _field, ...rest } = timed;
  if (timed.source === 'self') return { ...rest, probe: spec.id, billed: false };
  return {
    ...rest,
    probe: spec.id,
    billed: false,
    detail: `${spec.after} took ${timed.latencyMs} ms${timed.detail ? `: ${timed.detail}` : ''}`.slice(0, 160),
  };
}

/**
 * When none of the decisive probes produced provider evidence: what stopped them, in words a human
 * can act on. Null when at least one decisive probe reached the provider.
 */
export function decisiveBlocker(decisive: readonly string[], results: ProbeResult[]): string | null {
  const relevant = results.filter((r) => decisive.includes(r.probe));
  if (relevant.length === 0 || relevant.some((r) => r.source !== 'self')) return null;
  return [...new Set(relevant.map((r) => r.blocker ?? r.detail))].join('; ');
}
