import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../contract/index.ts';
import type { TemporalTarget } from '../infra/temporal-connection.ts';
import { temporalUnreachable } from './errors.ts';

/** Registers the incident search attributes on a cluster we did not start (idempotent). */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = SEARCH_ATTRIBUTE_REGISTRATIONS.filter((sa) => !(sa.name in (existing.customAttributes ?? {})));
  if (missing.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(
      missing.map((sa) => [sa.name, proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
    ),
  });
}

/** Connects to a cluster we did not start, registers the incident search attributes there, and disconnects. */
export async function registerSearchAttributes(target: TemporalTarget): Promise<void> {
  const { address, tls, apiKey, metadata } = target.connectionOptions;
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, tls, apiKey, metadata, connectTimeout: 5_000 });
  } catch (err) {
    throw temporalUnreachable(address, err);
  }
  try {
    await ensureSearchAttributes(connection, target.namespace);
  } finally {
    await connection.close();
  }
}
