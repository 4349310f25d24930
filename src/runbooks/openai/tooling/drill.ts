/** What a drill of the OpenAI runbook needs: the key variable and the seeded deployment. */
import type { DrillProfile } from '../../types.ts';
import { CONCURRENCY } from '../knobs.ts';
import { openAiSettingsOf } from '../settings.ts';

export const openaiDrill: DrillProfile = {
  keyEnv: 'OPENAI_API_KEY',
  seed: (service) => ({
    env: { [CONCURRENCY]: '8' },
    cronJobs: [
      {
        name: 'openai-batch',
        labels: Object.fromEntries(
          openAiSettingsOf(service)
            .batchSelector.split(',')
            .map((kv) => kv.split('=') as [string, string]),
        ),
      },
    ],
  }),
  compressedSettings: {},
  // No latency rule in this runbook's decision table: nothing to scale.
  decisionThresholds: {},
  secretSteps: ['new-key-reference'],
};
