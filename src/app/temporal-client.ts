import { Client, Connection } from '@temporalio/client';
import { temporalUnreachable } from './errors.ts';
import { loadTemporalTarget, type TemporalTarget } from '../infra/temporal-connection.ts';

/**
 * The Temporal client the app's use cases take. Front ends (CLI, console) hold one and pass it to
 * src/app; they never call Temporal with it themselves (the architecture test checks).
 */
export type TemporalClient = Client;

/** The frontend address a client talks to, as configured (envconfig): what an "unreachable" message names. */
export function temporalAddressOf(client: TemporalClient): string | undefined {
  return (client.connection as Partial<Connection>).options?.address;
}

export interface ConnectedClient {
  client: TemporalClient;
  target: TemporalTarget;
  close(): Promise<void>;
}

/** A client for the configured cluster (envconfig), or a clear "not reachable" error. */
export async function connectClient(env: NodeJS.ProcessEnv, connectTimeoutMs = 5_000): Promise<ConnectedClient> {
  const target = loadTemporalTarget(env);
  const { address, tls, apiKey, metadata } = target.connectionOptions;
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, tls, apiKey, metadata, connectTimeout: connectTimeoutMs });
  } catch (err) {
    throw temporalUnreachable(address, err);
  }
  const client = new Client({ connection, namespace: target.namespace });
  return { client, target, close: () => connection.close() };
}
