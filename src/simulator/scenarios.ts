import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { describeUnknownKey, jsonPath, unknownKeys } from '../contract/index.ts';
import { defaultRunbookId } from '../runbooks/index.ts';
import { runbookTooling, type BuiltinScenarioDefinition, type SimulatorProfile } from '../runbooks/tooling/index.ts';

export const FaultSchema = z.enum(['hang', 'reset', 'html', 'truncated']);
export type Fault = z.infer<typeof FaultSchema>;

const LatencySchema = z.union([
  z.number().nonnegative(),
  z
    .tuple([z.number().nonnegative(), z.number().nonnegative()])
    .refine(([a, b]) => a <= b, 'latency range [min, max] with min <= max'),
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
    /** Extra response headers of an error answer (e.g. `x-ratelimit-remaining-requests`). */
    headers: z.record(z.string(), z.string()).optional(),
  })
  .strict();
export type EndpointBehavior = z.infer<typeof EndpointBehaviorSchema>;

export const StatusIndicatorSchema = z.enum(['none', 'minor', 'major', 'critical']);

const META_KEYS = ['name', 'durationMs', 'requests', 'dns'] as const;

/** A phase: how long it lasts, and per endpoint id of the runbook's simulator profile, a behaviour. */
export type ScenarioPhase = { name?: string; durationMs?: number; requests?: number; dns?: 'ok' | 'fail' } & {
  [endpoint: string]: unknown;
};

/** The phase schema of a profile: its endpoint ids are the keys (status pages take an indicator, file downloads `expired`). */
export function phaseSchema(profile: SimulatorProfile) {
  const endpoints = Object.fromEntries(
    profile.endpoints.map((e) => [
      e.id,
      (e.kind === 'statusPage'
        ? EndpointBehaviorSchema.extend({
            indicator: StatusIndicatorSchema.optional(),
            description: z.string().optional(),
          }).strict()
        : e.kind === 'images'
          ? EndpointBehaviorSchema.extend({ expired: z.boolean().optional() }).strict()
          : EndpointBehaviorSchema
      ).optional(),
    ]),
  );
  return z
    .object({
      name: z.string().optional(),
      durationMs: z.number().int().positive().optional(),
      /** Counts every request to the simulated API (status page and downloads too), not admin calls. */
      requests: z.number().int().positive().optional(),
      ...endpoints,
      dns: z.enum(['ok', 'fail']).optional(),
    })
    .strict()
    .refine((p) => !(p.durationMs && p.requests), 'a phase lasts either durationMs or requests, not both');
}

export type PhaseBehavior = EndpointBehavior & {
  indicator?: z.infer<typeof StatusIndicatorSchema>;
  description?: string;
  expired?: boolean;
};

/** The behaviour a phase gives an endpoint (absent: healthy). */
export const behaviorOf = (phase: ScenarioPhase, endpoint: string): PhaseBehavior | undefined =>
  (META_KEYS as readonly string[]).includes(endpoint) ? undefined : (phase[endpoint] as PhaseBehavior | undefined);

const defaultProfile = (): SimulatorProfile => runbookTooling(defaultRunbookId()).simulator;

export class ScenarioFileError extends Error {
  readonly exitCode = 2;
}

/** Reads and validates a scenario file; errors name the JSON path of the bad field. */
export function loadScenarioFile(path: string, profile: SimulatorProfile = defaultProfile()): ScenarioPhase[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ScenarioFileError(`scenario file ${path}: ${(err as Error).message}`);
  }
  return parseScenarioPhases(raw, path, profile);
}

export function parseScenarioPhases(
  raw: unknown,
  source = 'scenario',
  profile: SimulatorProfile = defaultProfile(),
): ScenarioPhase[] {
  const schema = z.array(phaseSchema(profile)).min(1, 'at least one phase');
  // A misspelt key at any depth is named with the one it most likely stands for: `statsu` is `status`.
  const unknown = unknownKeys(schema, raw);
  if (unknown.length > 0) {
    throw new ScenarioFileError(
      `invalid ${source}: ${unknown.map(describeUnknownKey).join('; ')} — fix or remove the key; ${exampleOf(profile)}`,
    );
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${jsonPath(i.path)}: ${i.message}`);
    throw new ScenarioFileError(
      `invalid ${source}: ${problems.join('; ')} — ${exampleOf(profile)}; a phase without durationMs/requests lasts forever`,
    );
  }
  return parsed.data as ScenarioPhase[];
}

/**
 * A drill runs until the incident ends, and the engine only ends one once real calls succeed: a
 * scenario whose last phase (which lasts forever) still fails the API would never end.
 */
export function assertDrillEnds(
  phases: ScenarioPhase[],
  source: string,
  profile: SimulatorProfile = defaultProfile(),
): ScenarioPhase[] {
  const index = phases.length - 1;
  const last = phases[index]!;
  const problems: string[] = [];
  for (const endpoint of profile.endpoints.filter((e) => e.kind === 'api').map((e) => e.id)) {
    const b = behaviorOf(last, endpoint);
    if (b?.fault) problems.push(`$[${index}].${endpoint}.fault: "${b.fault}"`);
    else if (b?.status !== undefined && b.status >= 400) problems.push(`$[${index}].${endpoint}.status: ${b.status}`);
  }
  if (last.dns === 'fail') problems.push(`$[${index}].dns: "fail"`);
  if (last.durationMs !== undefined || last.requests !== undefined)
    problems.push(
      `$[${index}]: the last phase has an end (${last.durationMs !== undefined ? 'durationMs' : 'requests'}) but nothing follows it`,
    );
  if (problems.length > 0) {
    throw new ScenarioFileError(
      `invalid ${source}: ${problems.join('; ')} — the last phase lasts forever, so a drill needs it to serve the API healthily or it would never end. End the scenario with a recovery phase such as {"name": "recovered"} (the status page may keep lying in it).`,
    );
  }
  return phases;
}

/** An example phase in the profile's own endpoint ids, for error messages. */
function exampleOf(profile: SimulatorProfile): string {
  const example: Record<string, unknown> = { requests: 10 };
  for (const e of profile.endpoints) {
    example[e.id] =
      e.kind === 'statusPage'
        ? { indicator: 'major' }
        : e.kind === 'images'
          ? { expired: true }
          : { status: 503, latencyMs: [100, 200] };
  }
  return `a scenario file is a JSON list of phases like ${JSON.stringify({ ...example, dns: 'fail' })} (faults: "hang"|"reset"|"html"|"truncated")`;
}

export type BuiltinScenario = BuiltinScenarioDefinition;

/** A runbook's built-in scenario by name. */
export function builtinScenario(
  name: string,
  scenarios: Record<string, BuiltinScenario> = runbookTooling(defaultRunbookId()).scenarios,
): BuiltinScenario {
  const scenario = scenarios[name];
  if (!scenario) {
    throw new ScenarioFileError(
      `unknown scenario "${name}" — built-in scenarios: ${Object.keys(scenarios).join(', ')}; or pass --scenario-file F`,
    );
  }
  return scenario;
}
