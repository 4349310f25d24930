/**
 * What a runbook declares for the tools around the engine (simulator, scenarios, drill): pure
 * data and pure functions. The simulator server and the drill do the I/O; the workflow never reads this.
 */
import type { ServiceTarget } from '../../contract/index.ts';

/** A request to a simulated API endpoint, as the runbook's profile understood it. */
export interface SimulatedRequest {
  /** Units counted against the in-flight limit (e.g. images requested). */
  units: number;
  /** Latency the provider documents for this request, before scaling: [min, max] ms. */
  latencyMs: [number, number];
  /** Anything the profile's success body needs (prompt, seed, model...). */
  fields: Record<string, unknown>;
}

export interface SimulatedEndpoint {
  /** The key a scenario phase uses for this endpoint (e.g. `chat`, `statusPage`). */
  id: string;
  /** `api`: a (billed) API call with a key; `statusPage`: a Statuspage JSON page; `images`: downloads of generated files. */
  kind: 'api' | 'statusPage' | 'images';
  method: 'GET' | 'POST';
  /** Exact path, or a prefix when it ends with `*`. */
  path: string;
  /** `api`: the request body (JSON, or multipart fields) → the request, or a message for a 400. */
  parse?(body: unknown): SimulatedRequest | string;
}

export interface SimulatorProfile {
  /** Shown on the simulated status page and by `runbook simulate`. */
  name: string;
  endpoints: SimulatedEndpoint[];
  /** How the key is sent: `<header>: <prefix><key>`. */
  auth: { header: string; prefix?: string };
  /** A host name that never resolves (the dns-failure scenario). */
  unresolvableHost: string;
  /** Answer to a missing or unknown key. */
  unauthorized: { status: number; body: unknown };
  /** Answer when the in-flight limit is reached (a 429), with its headers. */
  inflightLimited: { body: unknown; headers: Record<string, string> };
  /** Body of an error status a scenario sets without a body. */
  errorBody(status: number): unknown;
  /** A successful answer; `fileUrl()` registers a downloadable file and returns its URL. */
  success(endpoint: string, request: SimulatedRequest, ctx: { fileUrl(): string; now: Date }): unknown;
}

export interface BuiltinScenarioDefinition {
  description: string;
  /** Scenario phases: per endpoint id a behaviour (see docs/drills.md, Scenario files). */
  phases: Array<Record<string, unknown>>;
  /** What the decision table should conclude (the drill's pass condition). */
  expectedCause: string;
  /** The probes must be pointed at a host that does not resolve. */
  unresolvableHost?: boolean;
}

export interface DrillProfile {
  /** The environment variable the drill's worker reads the key from (a placeholder when unset). */
  keyEnv: string;
  /** The deployment the record-only target starts with: its env and the CronJobs around it. */
  seed(service: ServiceTarget): {
    env: Record<string, string>;
    cronJobs: Array<{ name: string; labels: Record<string, string> }>;
  };
  /** Settings for compressed drill time (e.g. a shorter rate-limit window). */
  compressedSettings: Record<string, unknown>;
  /**
   * The runbook's production decision thresholds (its defaults). A drill multiplies each by the
   * simulator's latency scale and by nothing else, so it judges a provider as production would.
   */
  decisionThresholds: Readonly<Record<string, number>>;
  /** Steps that wait for a secret reference rather than an approval: the drill hands over a rotated key. */
  secretSteps: string[];
}

export interface RunbookTooling {
  simulator: SimulatorProfile;
  scenarios: Record<string, BuiltinScenarioDefinition>;
  drill: DrillProfile;
}
