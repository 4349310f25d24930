/**
 * The production topology in one place: the Temporal server version and the environment its
 * container image reads (docker-compose.yml) are the same values the native launcher uses, and a
 * test holds the compose file to them.
 */

/** The server inside the Temporal CLI that `runbook dev` runs (temporal 1.9.1 = Server 1.32.0). */
export const TEMPORAL_SERVER_VERSION = '1.32.0';

/** The persistence the server is configured with: PostgreSQL, main store and visibility. */
export const PERSISTENCE = {
  plugin: 'postgres12',
  database: 'temporal',
  visibilityDatabase: 'temporal_visibility',
  user: 'temporal',
  /** A local, private cluster's password (the compose file uses the same); production injects its own. */
  password: 'temporal',
  historyShards: 4,
} as const;

export interface ServerEndpoints {
  postgresHost: string;
  postgresPort: number;
  /** The frontend's gRPC port (clients and workers connect here). */
  frontendPort: number;
  /** Address the server binds its services on. */
  bindIp: string;
  /** Ports for the other services; in compose the container defaults apply. */
  internalPorts?: Record<string, number>;
}

/**
 * The environment of the server process, as the official `temporalio/server` image reads it: the
 * binary renders its embedded config template from these (no config file of ours to drift).
 */
export function serverEnvironment(endpoints: ServerEndpoints): Record<string, string> {
  return {
    DB: PERSISTENCE.plugin,
    DB_PORT: String(endpoints.postgresPort),
    POSTGRES_SEEDS: endpoints.postgresHost,
    POSTGRES_USER: PERSISTENCE.user,
    POSTGRES_PWD: PERSISTENCE.password,
    DBNAME: PERSISTENCE.database,
    VISIBILITY_DBNAME: PERSISTENCE.visibilityDatabase,
    NUM_HISTORY_SHARDS: String(PERSISTENCE.historyShards),
    BIND_ON_IP: endpoints.bindIp,
    FRONTEND_GRPC_PORT: String(endpoints.frontendPort),
    ...Object.fromEntries(Object.entries(endpoints.internalPorts ?? {}).map(([k, v]) => [k, String(v)])),
  };
}

/** Variables whose values differ between a container network and loopback (hosts, ports). */
export const PLACEMENT_VARIABLES = new Set([
  'DB_PORT',
  'POSTGRES_SEEDS',
  'BIND_ON_IP',
  'FRONTEND_GRPC_PORT',
  'TEMPORAL_BROADCAST_ADDRESS',
]);

/** The other services' ports, as the embedded template names them (a native run needs free ones). */
export const INTERNAL_PORT_VARIABLES = [
  'FRONTEND_HTTP_PORT',
  'FRONTEND_MEMBERSHIP_PORT',
  'INTERNAL_FRONTEND_GRPC_PORT',
  'INTERNAL_FRONTEND_HTTP_PORT',
  'INTERNAL_FRONTEND_MEMBERSHIP_PORT',
  'MATCHING_GRPC_PORT',
  'MATCHING_MEMBERSHIP_PORT',
  'HISTORY_GRPC_PORT',
  'HISTORY_MEMBERSHIP_PORT',
  'WORKER_GRPC_PORT',
  'WORKER_MEMBERSHIP_PORT',
] as const;

/**
 * The worker's connection, purely through the `TEMPORAL_*` variables `@temporalio/envconfig`
 * reads, as in production, plus what the worker itself needs.
 */
export function workerConnectionEnvironment(frontendAddress: string, namespace = 'default'): Record<string, string> {
  return { TEMPORAL_ADDRESS: frontendAddress, TEMPORAL_NAMESPACE: namespace };
}
