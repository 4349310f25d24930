import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const FaultSchema = z.enum(['hang', 'reset', 'html', 'truncated']);
export type Fault = z.infer<typeof FaultSchema>;

const LatencySchema = z.union([
  z.number().nonnegative(),
  z.tuple([z.number().nonnegative(), z.number().nonnegative()]).refine(([a, b]) => a <= b, 'latency range [min, max] with min <= max'),
]);

/** How one endpoint behaves during a phase. Absent fields mean "healthy". */
export const EndpointBehaviorSchema = z
  .object({
    status: z.number().int().min(100).max(599).optional(),
    body: z.unknown().optional(),
    /** Milliseconds (before latencyScale), fixed or a uniform [min, max] range. */
    latencyMs: LatencySchema.optional(),
    fault: FaultSchema.optional(),
    retryAfterSeconds: z.number().int().nonnegative().optional(),
  })
  .strict();
export type EndpointBehavior = z.infer<typeof EndpointBehaviorSchema>;

export const StatusIndicatorSchema = z.enum(['none', 'minor', 'major', 'critical']);

export const PhaseSchema = z
  .object({
    name: z.string().optional(),
    durationMs: z.number().int().positive().optional(),
    /** Counts every request to the simulated API (generate, V3, status page, images), not admin calls. */
    requests: z.number().int().positive().optional(),
    legacy: EndpointBehaviorSchema.optional(),
    v3: EndpointBehaviorSchema.optional(),
    statusPage: EndpointBehaviorSchema.extend({ indicator: StatusIndicatorSchema.optional(), description: z.string().optional() })
      .strict()
      .optional(),
    images: EndpointBehaviorSchema.extend({ expired: z.boolean().optional() }).strict().optional(),
    dns: z.enum(['ok', 'fail']).optional(),
  })
  .strict()
  .refine((p) => !(p.durationMs && p.requests), 'a phase lasts either durationMs or requests, not both');
export type ScenarioPhase = z.infer<typeof PhaseSchema>;

export const ScenarioFileSchema = z.array(PhaseSchema).min(1, 'at least one phase');

export class ScenarioFileError extends Error {
  readonly exitCode = 2;
}

/** Reads and validates a scenario file; errors name the JSON path of the bad field. */
export function loadScenarioFile(path: string): ScenarioPhase[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ScenarioFileError(`scenario file ${path}: ${(err as Error).message}`);
  }
  return parseScenarioPhases(raw, path);
}

export function parseScenarioPhases(raw: unknown, source = 'scenario'): ScenarioPhase[] {
  const parsed = ScenarioFileSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `$${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${i.message}`);
    throw new ScenarioFileError(`invalid ${source}: ${problems.join('; ')} — a scenario file is a JSON list of phases like {"requests": 10, "legacy": {"status": 503}, "v3": {"latencyMs": [100, 200], "fault": "hang"|"reset"|"html"|"truncated"}, "statusPage": {"indicator": "major"}, "images": {"expired": true}, "dns": "fail"}; a phase without durationMs/requests lasts forever`);
  }
  return parsed.data;
}

/**
 * A drill runs until the incident ends, and the engine only ends one once real calls succeed: a
 * scenario whose last phase (which lasts forever) still fails the API would never end.
 */
export function assertDrillEnds(phases: ScenarioPhase[], source: string): ScenarioPhase[] {
  const index = phases.length - 1;
  const last = phases[index]!;
  const problems: string[] = [];
  for (const endpoint of ['legacy', 'v3'] as const) {
    const b = last[endpoint];
    if (b?.fault) problems.push(`$[${index}].${endpoint}.fault: "${b.fault}"`);
    else if (b?.status !== undefined && b.status >= 400) problems.push(`$[${index}].${endpoint}.status: ${b.status}`);
  }
  if (last.dns === 'fail') problems.push(`$[${index}].dns: "fail"`);
  if (last.durationMs !== undefined || last.requests !== undefined) problems.push(`$[${index}]: the last phase has an end (${last.durationMs !== undefined ? 'durationMs' : 'requests'}) but nothing follows it`);
  if (problems.length > 0) {
    throw new ScenarioFileError(
      `invalid ${source}: ${problems.join('; ')} — the last phase lasts forever, so a drill needs it to serve the API healthily or it would never end. End the scenario with a recovery phase such as {"name": "recovered"} (the status page may keep lying in it).`,
    );
  }
  return phases;
}

const down = (status: number, body: unknown): EndpointBehavior => ({ status, body });
const outage = (status: number): ScenarioPhase[] => [
  {
    name: `outage-${status}`,
    requests: 14,
    legacy: down(status, status === 503 ? { error: 'Service Unavailable' } : { error: 'Internal Server Error' }),
    v3: down(status, { error: 'Internal Server Error' }),
    statusPage: { indicator: 'major', description: 'Partial System Outage' },
  },
  { name: 'recovered' },
];

export interface BuiltinScenario {
  description: string;
  phases: ScenarioPhase[];
  /** What the decision table should conclude (the drill's pass condition). */
  expectedCause: string;
  /** dns-failure: the probes must be pointed at a host that does not resolve. */
  unresolvableHost?: boolean;
}

/**
 * Built-in scenarios. Faults a remediation can fix recover on their own so a drill can end
 * resolved: auth-401 and credits-402 after 8 requests (one triage round and its two confirmation
 * rounds), rate-limit-429, outage-500 and outage-503 after 14; then they serve healthy responses. The others
 * (safety-422, timeout, dns-failure, slow, expired-download, partial-outage) persist: their
 * runbook steps are advisory and end with a human's confirmation. `requests` counts every API
 * request, the status page and image downloads included.
 */
export const BUILTIN_SCENARIO_DEFINITIONS = {
  healthy: { description: 'everything works', phases: [{ name: 'healthy' }], expectedCause: 'healthy' },
  'auth-401': {
    description: 'the key is revoked: 401 on both endpoints through triage, accepted again once a new key is in place',
    phases: [{ name: 'auth-401', requests: 8, legacy: down(401, { error: 'Unauthorized' }), v3: down(401, { error: 'Unauthorized' }) }, { name: 'new-key-accepted' }],
    expectedCause: 'auth_failure',
  },
  'credits-402': {
    description: 'credits exhausted: 402 insufficient_funds through triage, then topped up',
    phases: [
      {
        name: 'credits-402',
        requests: 8,
        legacy: down(402, { error: 'Payment Required', reject_reason: 'insufficient_funds' }),
        v3: down(402, { error: 'Payment Required', reject_reason: 'insufficient_funds' }),
      },
      { name: 'topped-up' },
    ],
    expectedCause: 'credits_exhausted',
  },
  'safety-422': {
    description: 'prompts fail the safety check: 422',
    phases: [
      {
        name: 'safety-422',
        legacy: down(422, { error: 'Prompt provided failed safety check. Please modify the prompt.' }),
        v3: down(422, { error: 'Prompt provided failed safety check. Please modify the prompt.' }),
      },
    ],
    expectedCause: 'safety_rejection',
  },
  'rate-limit-429': {
    description: 'sustained 429 inflight_limit, recovering after a while',
    phases: [
      {
        name: 'rate-limit-429',
        requests: 14,
        legacy: { status: 429, body: { error: 'Too Many Requests', reject_reason: 'inflight_limit' }, retryAfterSeconds: 1 },
        v3: { status: 429, body: { error: 'Too Many Requests', reject_reason: 'inflight_limit' }, retryAfterSeconds: 1 },
      },
      { name: 'recovered' },
    ],
    expectedCause: 'rate_limited',
  },
  'outage-500': { description: 'provider outage: 500 on all requests, then recovery', phases: outage(500), expectedCause: 'provider_outage' },
  'outage-503': { description: 'provider outage: 503 on all requests, then recovery', phases: outage(503), expectedCause: 'provider_outage' },
  timeout: {
    description: 'generate calls hang past the probe timeout (DNS fine)',
    phases: [{ name: 'timeout', legacy: { fault: 'hang' }, v3: { fault: 'hang' } }],
    expectedCause: 'degraded_performance',
  },
  'dns-failure': {
    description: 'the API host does not resolve',
    phases: [{ name: 'dns-failure', dns: 'fail' }],
    expectedCause: 'network_dns',
    unresolvableHost: true,
  },
  slow: {
    description: 'generation works but P95 latency is over 30 s',
    phases: [{ name: 'slow', legacy: { latencyMs: [60_000, 80_000] }, v3: { latencyMs: [60_000, 80_000] } }],
    expectedCause: 'degraded_performance',
  },
  'expired-download': {
    description: 'generation works but image URLs are already expired',
    phases: [{ name: 'expired-download', images: { expired: true } }],
    expectedCause: 'download_failure',
  },
  'partial-outage': {
    description: 'legacy /generate fails with 500, V3 works',
    phases: [{ name: 'partial-outage', legacy: down(500, { error: 'Internal Server Error' }) }],
    expectedCause: 'partial_outage',
  },
} satisfies Record<string, BuiltinScenario>;

export type BuiltinScenarioName = keyof typeof BUILTIN_SCENARIO_DEFINITIONS;
export const BUILTIN_SCENARIOS = Object.keys(BUILTIN_SCENARIO_DEFINITIONS) as BuiltinScenarioName[];

export function builtinScenario(name: string): BuiltinScenario {
  const scenario = (BUILTIN_SCENARIO_DEFINITIONS as Record<string, BuiltinScenario>)[name];
  if (!scenario) {
    throw new ScenarioFileError(`unknown scenario "${name}" — built-in scenarios: ${BUILTIN_SCENARIOS.join(', ')}; or pass --scenario-file F`);
  }
  return scenario;
}
