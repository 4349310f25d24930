import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';

export const temporalAddress = (): string => inject('temporalAddress');
export const temporalNamespace = (): string => inject('temporalNamespace');
export const temporalMetricsUrl = (): string => inject('temporalMetricsUrl');
export const crowdNamespace = (): string => inject('crowdNamespace');

/** Each test gets a task queue of its own, so tests on the shared server never steal each other's tasks. */
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}

export async function connectTestClient(
  namespace = temporalNamespace(),
): Promise<{ client: Client; close: () => Promise<void> }> {
  const connection = await Connection.connect({ address: temporalAddress() });
  const client = new Client({ connection, namespace });
  return { client, close: () => connection.close() };
}

export async function connectWorkerConnection(): Promise<NativeConnection> {
  return NativeConnection.connect({ address: temporalAddress() });
}
