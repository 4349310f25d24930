// src/infra/prod-topology: the production topology run natively — PostgreSQL + the real Temporal server binary, no Docker.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { portInUse } from '../ports.ts';
import { startPostgres, type RunningPostgres } from './postgres.ts';
import { INTERNAL_PORT_VARIABLES, type ServerEndpoints } from './settings.ts';
import {
  ensureTemporalServer,
  setupSchemas,
  startTemporalServer,
  type RunningTemporalServer,
} from './temporal-server.ts';

export interface ProductionTopology {
  /** The frontend, as workers and clients reach it (TEMPORAL_ADDRESS). */
  address: string;
  namespace: string;
  postgres: RunningPostgres;
  server(): RunningTemporalServer;
  /** Stops the server (SIGTERM, or SIGKILL with `crash`) and starts it again on the same ports and data. */
  restartServer(options?: { crash?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

export interface ProductionTopologyOptions {
  /** PostgreSQL's data lives here (created on first use, reused after). */
  dataDir: string;
  frontendPort?: number;
  postgresPort?: number;
  namespace?: string;
  /** The server's dynamic config; default: `deploy/temporal/dynamicconfig.yaml`, as the stack mounts it. */
  dynamicConfigFile?: string;
  onOutput?: (source: 'postgres' | 'temporal-server', line: string) => void;
}

/**
 * A free loopback port below 32768: the server stores its services' ports in a SMALLINT column
 * (cluster membership), so the kernel's ephemeral range (32768+) would not fit.
 */
async function freeLowPort(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (taken.has(port) || (await portInUse(port))) continue;
    taken.add(port);
    return port;
  }
  throw new Error('no free port in 20000-31999 on 127.0.0.1');
}

export async function startProductionTopology(options: ProductionTopologyOptions): Promise<ProductionTopology> {
  const binaries = ensureTemporalServer();
  mkdirSync(options.dataDir, { recursive: true });
  const taken = new Set<number>();
  const postgres = await startPostgres({
    dataDir: join(options.dataDir, 'postgres'),
    port: options.postgresPort ?? (await freeLowPort(taken)),
    onOutput: (line) => options.onOutput?.('postgres', line),
  });
  try {
    setupSchemas(binaries, postgres);
    const internalPorts: Record<string, number> = {};
    for (const name of INTERNAL_PORT_VARIABLES) internalPorts[name] = await freeLowPort(taken);
    const endpoints: ServerEndpoints = {
      postgresHost: postgres.host,
      postgresPort: postgres.port,
      frontendPort: options.frontendPort ?? (await freeLowPort(taken)),
      bindIp: '127.0.0.1',
      internalPorts,
    };
    const start = () =>
      startTemporalServer({
        binaries,
        endpoints,
        namespace: options.namespace,
        dynamicConfigFile: options.dynamicConfigFile,
        onOutput: (line) => options.onOutput?.('temporal-server', line),
      });
    let server = await start();
    return {
      address: server.address,
      namespace: server.namespace,
      postgres,
      server: () => server,
      async restartServer({ crash = false } = {}) {
        if (crash) {
          server.process.kill();
          await server.process.exited;
        } else await server.stop();
        server = await start();
      },
      async stop() {
        await server.stop();
        await postgres.stop();
      },
    };
  } catch (err) {
    await postgres.stop();
    throw err;
  }
}
