import { Client, Connection } from '@temporalio/client';
import { temporalUnreachable } from './errors.ts';
import { loadTemporalTarget, type TemporalTarget } from '../infra/temporal-connection.ts';

export interface ConnectedClient {
  client: Client;
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
