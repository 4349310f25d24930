import type { ServerResponse } from 'node:http';
import type { SimulatorProfile } from '../runbooks/tooling/index.ts';
import type { PhaseTracker } from './phases.ts';

export interface RecordedRequest {
  method: string;
  path: string;
  /** The profile's endpoint id, or `other`. */
  endpoint: string;
  /** Epoch milliseconds with sub-millisecond precision, so ordering between requests is exact. */
  arrivedAt: number;
  respondedAt: number | null;
  /** When a generate request was counted against the in-flight limit. */
  admittedAt: number | null;
  status: number | null;
  fault: string | null;
  phase: string;
  headers: Record<string, string>;
}

/** The options a running simulator works with, defaults filled in. */
export interface SimulatorSettings {
  latencyScale: number;
  imageTtlMs: number;
  inflightLimit: number;
  validKeys: string[] | undefined;
  now: () => number;
}

/** Everything the request handlers share: the profile, the scenario's progress, and what has been served. */
export interface SimulatorState {
  profile: SimulatorProfile;
  settings: SimulatorSettings;
  phases: PhaseTracker;
  recorded: RecordedRequest[];
  /** Units in flight, by API key. */
  inflight: Map<string, number>;
  /** Signed image URLs handed out, by id. */
  images: Map<string, { expiresAt: number }>;
  /** Responses a `hang` fault holds open until the client gives up or the simulator stops. */
  hung: Set<ServerResponse>;
  /** Known once the server listens. */
  baseUrl: string;
}
