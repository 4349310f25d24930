// STUB — owned by the probes helper (issue 3); replace freely, keep the exported names.
import type { ProbeResult, ProbeSpec, ProbeTarget } from '../../contract/index.ts';
import type { SecretResolverDeps } from '../secrets.ts';

export interface ProbeActivityDeps {
  secrets: SecretResolverDeps;
}

export interface RunProbeRequest {
  spec: ProbeSpec;
  target: ProbeTarget;
  /** URLs extracted by earlier probes of the same round, by probe id (download probes use them). */
  extracted?: Record<string, string | undefined>;
}

export function createProbeActivities(_deps: ProbeActivityDeps) {
  return {
    async runProbe(_req: RunProbeRequest): Promise<ProbeResult> {
      throw new Error('not implemented');
    },
  };
}
