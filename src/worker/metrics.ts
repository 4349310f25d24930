import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { billedProbeCalls } from '../activities/probes/spend.ts';
import { ConfigError, type AppConfig } from '../config/index.ts';
import { bearerRefusal, isLoopback } from '../infra/bearer.ts';
import { freePort } from '../infra/ports.ts';
import { workflowThreadsHeap } from './workflow-threads.ts';

export interface WorkerMetrics {
  url: string;
  /** Where the Temporal SDK's own Prometheus exporter listens (loopback, a free port): give it to Runtime.install. */
  coreBindAddress: string;
  close(): Promise<void>;
}

/** Checked with the rest of the configuration, before anything starts. */
export function checkWorkerMetricsConfig(config: AppConfig): void {
  if (config.RUNBOOK_WORKER_METRICS_PORT === undefined) return;
  if (!isLoopback(config.RUNBOOK_WORKER_METRICS_HOST) && !config.RUNBOOK_METRICS_TOKEN) {
    throw new ConfigError(
      `RUNBOOK_WORKER_METRICS_HOST=${config.RUNBOOK_WORKER_METRICS_HOST}: the worker's /metrics listens beyond this machine only with RUNBOOK_METRICS_TOKEN set (scrapers send it as a bearer token)`,
    );
  }
}

/** The SDK exporter's text, or a comment saying why it is missing (the worker's own figures still count). */
async function coreMetrics(bindAddress: string): Promise<string> {
  try {
    const response = await fetch(`http://${bindAddress}/metrics`, { signal: AbortSignal.timeout(2_000) });
    return await response.text();
  } catch (err) {
    return `# Temporal SDK metrics unavailable: ${(err as Error).message}\n`;
  }
}

/** The workflow threads' heap, read at each scrape: what the cached incidents hold (RUNBOOK_WORKER_CACHE sizing). */
function registerWorkflowThreadHeap(registry: Registry): void {
  const figure = (name: string, help: string, part: 'used' | 'size') =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        this.set((await workflowThreadsHeap())[part]);
      },
    });
  figure(
    'runbook_workflow_threads_heap_used_bytes',
    "V8 heap in use by the workflow threads, where cached incidents live (the nodejs_heap_* figures are the main thread's)",
    'used',
  );
  figure('runbook_workflow_threads_heap_size_bytes', 'V8 heap the workflow threads have allocated', 'size');
}

/**
 * The worker's `GET /metrics` (RUNBOOK_WORKER_METRICS_PORT; none when unset): its own figures
 * (billed probe calls, process) followed by the Temporal SDK's worker metrics (workflow task
 * failures, slots, poll latencies), which the SDK exports on a private loopback port. One endpoint,
 * behind the same rule as the console's: RUNBOOK_METRICS_TOKEN, or loopback scrapers only.
 * Started before the Temporal runtime, so a taken port ends the command before anything else runs.
 */
export async function startWorkerMetrics(config: AppConfig, logger: Logger): Promise<WorkerMetrics | null> {
  const port = config.RUNBOOK_WORKER_METRICS_PORT;
  if (port === undefined) return null;
  checkWorkerMetricsConfig(config);
  const host = config.RUNBOOK_WORKER_METRICS_HOST;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  registry.registerMetric(billedProbeCalls);
  registerWorkflowThreadHeap(registry);
  const coreBindAddress = `127.0.0.1:${await freePort()}`;
  const server: Server = createServer((request, response) => {
    void (async () => {
      if (request.method !== 'GET' || new URL(request.url ?? '/', 'http://x').pathname !== '/metrics') {
        response
          .writeHead(404, { 'content-type': 'text/plain' })
          .end('not found: the worker serves GET /metrics only\n');
        return;
      }
      const refusal = bearerRefusal(
        config.RUNBOOK_METRICS_TOKEN,
        request.headers,
        request.socket.remoteAddress,
        'RUNBOOK_METRICS_TOKEN',
      );
      if (refusal) {
        response.writeHead(401, { 'content-type': 'text/plain' }).end(`${refusal}\n`);
        return;
      }
      const text = `${await registry.metrics()}\n${await coreMetrics(coreBindAddress)}`;
      response.writeHead(200, { 'content-type': registry.contentType }).end(text);
    })().catch((err: unknown) => {
      logger.error({ err }, 'worker metrics: scrape failed');
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  try {
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(
      `RUNBOOK_WORKER_METRICS_PORT=${port} on ${host}: ${code === 'EADDRINUSE' ? 'the port is taken' : (err as Error).message} — choose another port or unset it`,
    );
  }
  const bound = server.address();
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${typeof bound === 'object' && bound ? bound.port : port}/metrics`;
  logger.info({ url }, 'worker metrics listening');
  return { url, coreBindAddress, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
