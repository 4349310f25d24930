import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import Long from 'long';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../../contract/index.ts';
import { startSupervised, type SupervisedProcess } from '../supervised.ts';
import { PERSISTENCE, serverEnvironment, TEMPORAL_SERVER_VERSION, type ServerEndpoints } from './settings.ts';

export const DYNAMIC_CONFIG_FILE = resolve(import.meta.dirname, '../../../deploy/temporal/dynamicconfig.yaml');
const BUILD_SCRIPT = resolve(import.meta.dirname, '../../../scripts/build-temporal-server.sh');

export interface TemporalServerBinaries {
  server: string;
  sqlTool: string;
  schemaDir: string;
}

export function temporalServerBinaries(): TemporalServerBinaries {
  const root = process.env.RUNBOOK_TEMPORAL_CACHE ?? join(homedir(), '.cache/runbook-engine/temporal');
  const dir = join(root, `v${TEMPORAL_SERVER_VERSION}`);
  return {
    server: join(dir, 'bin/temporal-server'),
    sqlTool: join(dir, 'bin/temporal-sql-tool'),
    schemaDir: join(dir, 'schema/postgresql/v12'),
  };
}

export function temporalServerBuilt(): boolean {
  const b = temporalServerBinaries();
  return existsSync(b.server) && existsSync(b.sqlTool) && existsSync(b.schemaDir);
}

/** Builds the server from the Go module proxy when it is not cached yet (minutes, once). */
export function ensureTemporalServer(): TemporalServerBinaries {
  if (!temporalServerBuilt()) {
    const result = spawnSync('bash', [BUILD_SCRIPT], {
      stdio: 'inherit',
      env: { ...process.env, RUNBOOK_TEMPORAL_SERVER_VERSION: `v${TEMPORAL_SERVER_VERSION}` },
    });
    if (result.status !== 0)
      throw new Error(
        `building the Temporal server failed (exit ${result.status}); run scripts/build-temporal-server.sh to see why (it needs Go >= 1.26.8)`,
      );
  }
  return temporalServerBinaries();
}

/**
 * Creates both databases and brings their schemas to the version this server needs, with the
 * server's own tool and versioned schema (idempotent: a second run applies nothing).
 */
export function setupSchemas(binaries: TemporalServerBinaries, postgres: { host: string; port: number }): void {
  const base = [
    '--plugin',
    PERSISTENCE.plugin,
    '--endpoint',
    postgres.host,
    '--port',
    String(postgres.port),
    '--user',
    PERSISTENCE.user,
  ];
  // The password travels in the environment, never in argv (visible in `ps`).
  const env = { ...process.env, SQL_PASSWORD: PERSISTENCE.password };
  const tool = (args: string[], allowFailure = false) => {
    const result = spawnSync(binaries.sqlTool, [...base, ...args], { encoding: 'utf8', env });
    if (result.status !== 0 && !allowFailure)
      throw new Error(
        `temporal-sql-tool ${args.join(' ')} failed: ${(result.stderr || result.stdout).trim().split('\n').slice(-3).join(' ')}`,
      );
    return result;
  };
  for (const [database, schema] of [
    [PERSISTENCE.database, 'temporal'],
    [PERSISTENCE.visibilityDatabase, 'visibility'],
  ] as const) {
    const created = tool(['--database', database, 'create-database'], true);
    const existed = created.status !== 0;
    if (existed && !/already exists/i.test(created.stderr + created.stdout)) {
      throw new Error(
        `temporal-sql-tool create-database ${database} failed: ${(created.stderr || created.stdout).trim().split('\n').slice(-3).join(' ')}`,
      );
    }
    if (!existed) tool(['--database', database, 'setup-schema', '--version', '0.0']);
    tool(['--database', database, 'update-schema', '--schema-dir', join(binaries.schemaDir, schema, 'versioned')]);
  }
}

export interface RunningTemporalServer {
  address: string;
  namespace: string;
  process: SupervisedProcess;
  stop(): Promise<void>;
}

/** The real server binary, configured purely by environment variables, exactly as its image is. */
export async function startTemporalServer(options: {
  binaries: TemporalServerBinaries;
  endpoints: ServerEndpoints;
  namespace?: string;
  dynamicConfigFile?: string;
  onOutput?: (line: string) => void;
}): Promise<RunningTemporalServer> {
  const namespace = options.namespace ?? 'default';
  const env = {
    ...process.env,
    ...serverEnvironment(options.endpoints),
    DYNAMIC_CONFIG_FILE_PATH: options.dynamicConfigFile ?? DYNAMIC_CONFIG_FILE,
    LOG_LEVEL: process.env.RUNBOOK_TEMPORAL_LOG_LEVEL ?? 'warn',
  };
  const server = await startSupervised({
    name: 'temporal-server',
    binary: options.binaries.server,
    args: ['--allow-no-auth', 'start'],
    env,
    graceMs: 15_000,
    onOutput: options.onOutput,
  });
  const address = `${options.endpoints.bindIp}:${options.endpoints.frontendPort}`;
  try {
    await registerNamespace(address, namespace, server);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return { address, namespace, process: server, stop: () => server.stop() };
}

/** The server creates no namespace of its own: register it (and our search attributes) once ready. */
async function registerNamespace(
  address: string,
  namespace: string,
  server: SupervisedProcess,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!server.running()) throw new Error(`temporal-server exited before it was ready:\n${server.recentOutput()}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace }).catch(async (err: { code?: number }) => {
          if (err.code !== 5) throw err;
          await connection.workflowService.registerNamespace({
            namespace,
            workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(3 * 24 * 3600) },
          });
        });
        const existing = await connection.operatorService.listSearchAttributes({ namespace });
        const missing = SEARCH_ATTRIBUTE_REGISTRATIONS.filter((sa) => !(sa.name in (existing.customAttributes ?? {})));
        if (missing.length > 0) {
          await connection.operatorService.addSearchAttributes({
            namespace,
            searchAttributes: Object.fromEntries(missing.map((sa) => [sa.name, searchAttributeType(sa.type)])),
          });
        }
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`temporal-server not ready at ${address} after ${timeoutMs} ms`, { cause: err });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** `Keyword` → the API's INDEXED_VALUE_TYPE_KEYWORD, from the SDK's own protos. */
function searchAttributeType(type: string): proto.temporal.api.enums.v1.IndexedValueType {
  const value =
    proto.temporal.api.enums.v1.IndexedValueType[
      `INDEXED_VALUE_TYPE_${type.toUpperCase()}` as keyof typeof proto.temporal.api.enums.v1.IndexedValueType
    ];
  if (value === undefined) throw new Error(`unknown search attribute type ${type}`);
  return value;
}
