import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AlertSignal } from '../../contract/index.ts';
import { oneLine } from './alertmanager.ts';

/**
 * The generic webhook's body: `summary` is required; `runbook` and `service` follow the same
 * mapping as Alertmanager's labels; `id` identifies the alert (default: a hash of the summary).
 */
export const GenericAlertSchema = z
  .object({
    summary: z.string().min(1, 'the summary must not be empty').max(2_000),
    status: z.enum(['firing', 'resolved']).default('firing'),
    runbook: z.string().max(64).optional(),
    service: z.string().max(64).optional(),
    id: z.string().min(1).max(200).optional(),
    url: z.url({ protocol: /^https?$/ }).optional(),
    labels: z.record(z.string(), z.string().max(500)).optional(),
  })
  .strict();
export type GenericAlert = z.infer<typeof GenericAlertSchema>;

export function genericSignalOf(body: GenericAlert): {
  labels: Record<string, string | undefined>;
  signal: AlertSignal;
} {
  const labels = {
    ...body.labels,
    ...(body.runbook ? { runbook: body.runbook } : {}),
    ...(body.service ? { service: body.service } : {}),
  };
  return {
    labels,
    signal: {
      source: 'generic',
      status: body.status,
      fingerprint: oneLine(body.id ?? createHash('sha256').update(body.summary).digest('hex').slice(0, 16), 200),
      summary: oneLine(body.summary),
      labels: Object.fromEntries(
        Object.entries(labels)
          .slice(0, 50)
          .map(([k, v]) => [oneLine(k, 100), oneLine(v ?? '', 500)]),
      ),
      ...(body.url ? { generatorURL: body.url } : {}),
    },
  };
}
