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

/**
 * The largest answer the client accepts. gRPC's default, 4 MB, is less than one page of history of
 * an incident that received large signals (the server allows 2 MB per payload), even paged.
 */
const MAX_RECEIVE_BYTES = 128 * 1024 * 1024;

/** A client for the configured cluster (envconfig), or a clear "not reachable" error. */
export async function connectClient(env: NodeJS.ProcessEnv, connectTimeoutMs = 5_000): Promise<ConnectedClient> {
  const target = loadTemporalTarget(env);
  const { address, tls, apiKey, metadata } = target.connectionOptions;
  let connection: Connection;
  try {
    connection = await Connection.connect({
      address,
      tls,
      apiKey,
      metadata,
      connectTimeout: connectTimeoutMs,
      channelArgs: { 'grpc.max_receive_message_length': MAX_RECEIVE_BYTES },
    });
  } catch (err) {
    throw temporalUnreachable(address, err);
  }
  const client = new Client({ connection, namespace: target.namespace });
  return { client, target, close: () => connection.close() };
}
