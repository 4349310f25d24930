/** What a drill of the Ideogram runbook needs: the key variable, the seeded deployment, compressed settings, its thresholds. */
import type { DrillProfile } from '../../tooling/types.ts';
import { DEFAULT_IDEOGRAM_THRESHOLDS } from '../decision.ts';
import { CONCURRENCY } from '../knobs.ts';
import { ideogramSettingsOf } from '../settings.ts';

export const ideogramDrill: DrillProfile = {
  keyEnv: 'IDEOGRAM_API_KEY',
  seed: (service) => ({
    env: { [CONCURRENCY]: '10' },
    cronJobs: [
      {
        name: 'ideogram-batch',
        labels: Object.fromEntries(
          ideogramSettingsOf(service)
            .batchSelector.split(',')
            .map((kv) => kv.split('=') as [string, string]),
        ),
      },
    ],
  }),
  // Compressed time: the 429 window, a new key's and a top-up's time to take, in seconds instead of minutes.
  compressedSettings: { rateLimitWindowMs: 20_000, keyPropagationMs: 30_000, topUpPropagationMs: 12_000 },
  decisionThresholds: { ...DEFAULT_IDEOGRAM_THRESHOLDS },
  secretSteps: ['new-key-reference'],
};
