import type { TestKubeApiServer } from './index.ts';

export const IDEOGRAM = {
  namespace: 'payments',
  deployment: 'ideogram-service',
  secret: 'ideogram-secrets',
  secretKey: 'api-key',
  batchSelector: 'runbook.dev/batch=ideogram',
  /** The key in place before the incident (test value, never logged by the code under test). */
  oldApiKey: 'sk-old-0f9e8d7c6b5a',
} as const;

/**
 * The runbook's world: `ideogram-service` with an API container and a worker container (the
 * worker reads the key from the secret through valueFrom), its secret, and labelled CronJobs, one
 * of which is already suspended.
 */
export function seedIdeogram(server: TestKubeApiServer, namespace: string = IDEOGRAM.namespace): void {
  const keyFromSecret = { name: 'IDEOGRAM_API_KEY', valueFrom: { secretKeyRef: { name: IDEOGRAM.secret, key: IDEOGRAM.secretKey } } };
  server.put('deployments', {
    metadata: { name: IDEOGRAM.deployment, namespace, labels: { app: IDEOGRAM.deployment } },
    spec: {
      replicas: 2,
      progressDeadlineSeconds: 600,
      selector: { matchLabels: { app: IDEOGRAM.deployment } },
      template: {
        metadata: { labels: { app: IDEOGRAM.deployment } },
        spec: {
          containers: [
            { name: 'api', image: 'registry.example/ideogram-service:1.4.2', env: [{ name: 'IDEOGRAM_CONCURRENCY', value: '8' }, { name: 'LOG_LEVEL', value: 'info' }, keyFromSecret] },
            { name: 'worker', image: 'registry.example/ideogram-worker:1.4.2', env: [{ name: 'IDEOGRAM_CONCURRENCY', value: '4' }, keyFromSecret] },
          ],
        },
      },
    },
  });
  server.put('secrets', { metadata: { name: IDEOGRAM.secret, namespace }, type: 'Opaque', data: { [IDEOGRAM.secretKey]: Buffer.from(IDEOGRAM.oldApiKey).toString('base64'), 'webhook-token': Buffer.from('whk-untouched').toString('base64') } });
  server.setSecretOwner(namespace, IDEOGRAM.secret, 'kubectl-client-side-apply', [IDEOGRAM.secretKey, 'webhook-token']);
  const cron = (name: string, suspend: boolean, labels: Record<string, string>) =>
    server.put('cronjobs', {
      metadata: { name, namespace, labels },
      spec: { schedule: '0 2 * * *', suspend, jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'batch', image: 'registry.example/batch:1' }] } } } } },
    });
  cron('nightly-batch', false, { 'runbook.dev/batch': 'ideogram' });
  cron('thumbnail-backfill', false, { 'runbook.dev/batch': 'ideogram' });
  cron('weekly-report', true, { 'runbook.dev/batch': 'ideogram' });
  cron('unrelated-cleanup', false, { 'runbook.dev/batch': 'other' });
}
