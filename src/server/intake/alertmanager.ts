import { z } from 'zod';
import type { AlertSignal } from '../../contract/index.ts';

/** Alertmanager's webhook payload, version 4 (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config). */
const LabelSet = z.record(z.string(), z.string());
export const AlertmanagerPayloadSchema = z.object({
  version: z.literal('4', { message: 'an Alertmanager webhook payload of version "4"' }),
  status: z.enum(['firing', 'resolved']),
  groupKey: z.string(),
  receiver: z.string().optional(),
  groupLabels: LabelSet.default({}),
  commonLabels: LabelSet.default({}),
  commonAnnotations: LabelSet.default({}),
  externalURL: z.string().optional(),
  truncatedAlerts: z.number().int().optional(),
  alerts: z
    .array(
      z.object({
        status: z.enum(['firing', 'resolved']),
        labels: LabelSet,
        annotations: LabelSet.default({}),
        startsAt: z.string().optional(),
        endsAt: z.string().optional(),
        generatorURL: z.string().optional(),
        fingerprint: z.string().min(1).max(200),
      }),
    )
    .min(1, 'at least one alert'),
});
export type AlertmanagerPayload = z.infer<typeof AlertmanagerPayloadSchema>;

/** What a timeline entry and a symptom may hold: one line, bounded. */
export function oneLine(text: string, max = 2_000): string {
  return (
    text
      // eslint-disable-next-line no-control-regex -- removing control characters is the point
      .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
      .trim()
      .slice(0, max)
  );
}

function boundedLabels(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(labels)
      .slice(0, 50)
      .map(([k, v]) => [oneLine(k, 100), oneLine(v, 500)]),
  );
}

/** One signal per alert: its summary (else description, else alert name), fingerprint, labels and source link. */
export function alertSignalsOf(
  payload: AlertmanagerPayload,
): Array<{ labels: Record<string, string>; signal: AlertSignal }> {
  return payload.alerts.map((alert) => ({
    labels: alert.labels,
    signal: {
      source: 'alertmanager',
      status: alert.status,
      fingerprint: oneLine(alert.fingerprint, 200),
      summary: oneLine(alert.annotations.summary ?? alert.annotations.description ?? alert.labels.alertname ?? ''),
      labels: boundedLabels(alert.labels),
      ...(alert.generatorURL ? { generatorURL: oneLine(alert.generatorURL) } : {}),
    },
  }));
}
