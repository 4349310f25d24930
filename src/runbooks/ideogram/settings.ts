/** The Ideogram runbook's own settings: where its key lives in the cluster, its batch jobs, its policy switches. */
import { z } from 'zod';
import type { IncidentInput, ServiceTarget } from '../../contract/index.ts';
import { settingsProblems } from '../kit/settings-problems.ts';
import type { RunbookSettings } from '../types.ts';
import { lazySchema } from '../../contract/lazy-schema.ts';

export const IdeogramSettingsSchema = lazySchema(() =>
  z
    .object({
      /** The Secret and key the API key is rotated into. */
      secretName: z.string().min(1).default('ideogram-secrets'),
      secretKey: z.string().min(1).default('api-key'),
      /** Label selector of the batch CronJobs paused when credits run out. */
      batchSelector: z.string().min(1).default('runbook.dev/batch=ideogram'),
      /** P1 provider outages may enable fallback without waiting for a human. */
      autoApproveP1Fallback: z.boolean().default(false),
      /** How long sustained 429s may last at reduced concurrency before the provider is asked for more. */
      rateLimitWindowMs: z
        .number()
        .int()
        .positive()
        .default(15 * 60_000),
      /** How long a rotated key may take to be accepted before the rotation is judged not to work. */
      keyPropagationMs: z
        .number()
        .int()
        .positive()
        .default(5 * 60_000),
      /** How long a confirmed top-up may take to reach the API before it is judged not to work. */
      topUpPropagationMs: z
        .number()
        .int()
        .positive()
        .default(2 * 60_000),
    })
    .strict(),
);
export type IdeogramSettings = z.infer<typeof IdeogramSettingsSchema>;

const defined = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

export const ideogramSettingsOf = (service: ServiceTarget): IdeogramSettings =>
  IdeogramSettingsSchema.parse(service.settings ?? {});
/** The incident's settings, as a remediation plan reads them. */
export const ideogramSettings = (input: IncidentInput): IdeogramSettings => ideogramSettingsOf(input.service);

export const ideogramSettingsDefinition: RunbookSettings = {
  validate: (raw) => settingsProblems(IdeogramSettingsSchema, raw),
  fromConfig: (config) =>
    defined({
      secretName: config.RUNBOOK_K8S_SECRET,
      secretKey: config.RUNBOOK_K8S_SECRET_KEY,
      batchSelector: config.RUNBOOK_BATCH_SELECTOR,
      autoApproveP1Fallback: config.RUNBOOK_AUTO_APPROVE_P1_FALLBACK,
    }),
  ownObjects: (service) => {
    const s = ideogramSettingsOf(service);
    return { secrets: [{ name: s.secretName, key: s.secretKey }], cronJobSelectors: [s.batchSelector] };
  },
};
