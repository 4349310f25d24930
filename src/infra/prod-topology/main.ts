// `npm run prod:local`: the production topology on this machine until Ctrl-C, then a clean stop.
import { resolve } from 'node:path';
import { createLogger } from '../logger.ts';
import { startProductionTopology } from './index.ts';
import { workerConnectionEnvironment } from './settings.ts';

const log = createLogger({ level: process.env.RUNBOOK_LOG_LEVEL ?? 'info' }).child({ component: 'prod-local' });
const dataDir = resolve(process.env.RUNBOOK_PROD_DATA_DIR ?? '.data/prod-local');
const topology = await startProductionTopology({
  dataDir,
  frontendPort: Number(process.env.RUNBOOK_PROD_PORT ?? 7233),
  onOutput: (source, line) => log.debug({ source }, line),
});
const env = workerConnectionEnvironment(topology.address, topology.namespace);
process.stdout.write(
  [
    `Temporal server on PostgreSQL: ${topology.address} (namespace ${topology.namespace}); PostgreSQL on ${topology.postgres.host}:${topology.postgres.port}, data in ${dataDir}`,
    `Workers and the CLI connect with: ${Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
    `  e.g. ${Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')} npx runbook worker`,
    'Ctrl-C stops the server, then PostgreSQL.',
    '',
  ].join('\n'),
);
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping the Temporal server, then PostgreSQL');
    void topology.stop().then(() => process.exit(0));
  });
}
