import {
  ApiException,
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  type V1CronJob,
  type V1Deployment,
  type V1Secret,
} from '@kubernetes/client-node';
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
 * The runbook's world: `ideogram-service` with an API container and a worker container (both read
 * the key from the secret through valueFrom), its secret, and labelled CronJobs, one of which is
 * already suspended, plus one with another label.
 */
export function ideogramObjects(namespace: string = IDEOGRAM.namespace): {
  deployment: V1Deployment;
  secret: V1Secret;
  cronJobs: V1CronJob[];
} {
  const keyFromSecret = {
    name: 'IDEOGRAM_API_KEY',
    valueFrom: { secretKeyRef: { name: IDEOGRAM.secret, key: IDEOGRAM.secretKey } },
  };
  const cron = (name: string, suspend: boolean, labels: Record<string, string>): V1CronJob => ({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace, labels },
    spec: {
      schedule: '0 2 * * *',
      suspend,
      jobTemplate: {
        spec: {
          template: {
            spec: { restartPolicy: 'Never', containers: [{ name: 'batch', image: 'registry.example/batch:1' }] },
          },
        },
      },
    },
  });
  return {
    deployment: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: IDEOGRAM.deployment, namespace, labels: { app: IDEOGRAM.deployment } },
      spec: {
        replicas: 2,
        progressDeadlineSeconds: 600,
        selector: { matchLabels: { app: IDEOGRAM.deployment } },
        template: {
          metadata: { labels: { app: IDEOGRAM.deployment } },
          spec: {
            containers: [
              {
                name: 'api',
                image: 'registry.example/ideogram-service:1.4.2',
                env: [
                  { name: 'IDEOGRAM_CONCURRENCY', value: '8' },
                  { name: 'LOG_LEVEL', value: 'info' },
                  keyFromSecret,
                ],
              },
              {
                name: 'worker',
                image: 'registry.example/ideogram-worker:1.4.2',
                env: [{ name: 'IDEOGRAM_CONCURRENCY', value: '4' }, keyFromSecret],
              },
            ],
          },
        },
      },
    },
    secret: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: IDEOGRAM.secret, namespace },
      type: 'Opaque',
      data: {
        [IDEOGRAM.secretKey]: Buffer.from(IDEOGRAM.oldApiKey).toString('base64'),
        'webhook-token': Buffer.from('whk-untouched').toString('base64'),
      },
    },
    cronJobs: [
      cron('nightly-batch', false, { 'runbook.dev/batch': 'ideogram' }),
      cron('thumbnail-backfill', false, { 'runbook.dev/batch': 'ideogram' }),
      cron('weekly-report', true, { 'runbook.dev/batch': 'ideogram' }),
      cron('unrelated-cleanup', false, { 'runbook.dev/batch': 'other' }),
    ],
  };
}

/** Seeds the test server directly (the secret as if created by `kubectl apply`). */
export function seedIdeogram(server: TestKubeApiServer, namespace: string = IDEOGRAM.namespace): void {
  const { deployment, secret, cronJobs } = ideogramObjects(namespace);
  server.put('deployments', deployment);
  server.put('secrets', secret);
  server.setSecretOwner(namespace, IDEOGRAM.secret, 'kubectl-client-side-apply', [IDEOGRAM.secretKey, 'webhook-token']);
  for (const job of cronJobs) server.put('cronjobs', job);
}

/**
 * Seeds any API server (a real kube-apiserver too) through the API with an admin kubeconfig:
 * removes what a previous test left (including the runbook's backup secret), then creates the world.
 */
export async function seedIdeogramThroughApi(
  adminKubeconfigPath: string,
  namespace: string = IDEOGRAM.namespace,
): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(adminKubeconfigPath);
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  const ignoreMissing = (err: unknown) => {
    if (!(err instanceof ApiException && err.code === 404)) throw err;
  };
  const { deployment, secret, cronJobs } = ideogramObjects(namespace);
  await core.createNamespace({ body: { metadata: { name: namespace } } }).catch((err: unknown) => {
    if (!(err instanceof ApiException && err.code === 409)) throw err;
  });
  await apps.deleteNamespacedDeployment({ namespace, name: IDEOGRAM.deployment }).catch(ignoreMissing);
  for (const name of [IDEOGRAM.secret, `${IDEOGRAM.secret}-runbook-backup`])
    await core.deleteNamespacedSecret({ namespace, name }).catch(ignoreMissing);
  for (const job of cronJobs)
    await batch.deleteNamespacedCronJob({ namespace, name: job.metadata!.name! }).catch(ignoreMissing);
  await apps.createNamespacedDeployment({ namespace, body: deployment });
  await core.createNamespacedSecret({ namespace, body: secret, fieldManager: 'kubectl-client-side-apply' });
  for (const job of cronJobs) await batch.createNamespacedCronJob({ namespace, body: job });
}
