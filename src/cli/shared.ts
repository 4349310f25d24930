import { z } from 'zod';
import { connectClient, type ConnectedClient } from '../app/temporal-client.ts';
import { loadConfig, type AppConfig } from '../config/index.ts';
import type { CliContext } from './context.ts';
import { formatZodError, UsageError } from './errors.ts';

/** Validates a command's options and arguments before anything is started or signalled. */
export function parseOptions<T extends z.ZodType>(schema: T, raw: unknown): z.infer<T> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new UsageError(formatZodError(parsed.error, 'arguments'));
  return parsed.data;
}

export const IncidentIdSchema = z.string().regex(/^[A-Za-z0-9._-]+$/, 'an incident id like incident-20261125-outage');
export const PersonSchema = z.string().trim().min(1, 'who is acting: --by NAME');

/** Config + a connected client; the connection is closed when `fn` ends. */
export async function withClient<T>(ctx: CliContext, fn: (connected: ConnectedClient, config: AppConfig) => Promise<T>): Promise<T> {
  const config = loadConfig(ctx.env);
  const connected = await connectClient(ctx.env);
  try {
    return await fn(connected, config);
  } finally {
    await connected.close();
  }
}
