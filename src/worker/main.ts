// src/worker: builds and runs the Temporal worker (activities from configuration, the service catalog, the workflow bundle).
// Production entry point: `node src/worker/main.ts` (the Docker image's command).
import { ConfigError } from '../config/index.ts';
import { runConfiguredWorker } from './run-worker.ts';

try {
  await runConfiguredWorker(process.env);
} catch (err) {
  process.stderr.write(`runbook worker: ${(err as Error).message}\n`);
  process.exitCode = err instanceof ConfigError ? 2 : 1;
}
