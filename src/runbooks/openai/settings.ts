/** The OpenAI runbook's own settings: where its key lives in the cluster and which batch jobs spend quota. */
import { z } from 'zod';
import type { IncidentInput, ServiceTarget } from '../../contract/index.ts';
import { settingsProblems } from '../kit/settings-problems.ts';
import type { RunbookSettings } from '../types.ts';
import { lazySchema } from '../../contract/lazy-schema.ts';

export const OpenAiSettingsSchema = lazySchema(() =>
  z
    .object({
      secretName: z.string().min(1).default('openai-secrets'),
      secretKey: z.string().min(1).default('api-key'),
      /** Label selector of the batch CronJobs paused while the quota is spent. */
      batchSelector: z.string().min(1).default('runbook.dev/batch=openai'),
      /** Concurrency while rate-limited. */
      reducedConcurrency: z.number().int().min(1).default(2),
    })
    .strict(),
);
export type OpenAiSettings = z.infer<typeof OpenAiSettingsSchema>;

export const openAiSettingsOf = (service: ServiceTarget): OpenAiSettings =>
  OpenAiSettingsSchema.parse(service.settings ?? {});
export const openAiSettings = (input: IncidentInput): OpenAiSettings => openAiSettingsOf(input.service);

export const openAiSettingsDefinition: RunbookSettings = {
  validate: (raw) => settingsProblems(OpenAiSettingsSchema, raw),
  // Configured by a catalog file (target.settings); the RUNBOOK_* variables are the first runbook's.
  fromConfig: () => ({}),
  ownObjects: (service) => {
    const s = openAiSettingsOf(service);
    return { secrets: [{ name: s.secretName, key: s.secretKey }], cronJobSelectors: [s.batchSelector] };
  },
};
