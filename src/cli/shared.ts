import { z } from 'zod';
import type { ConnectedClient } from '../app/temporal-client.ts';
import { loadConfig, type AppConfig } from '../config/index.ts';
import { FreeTextSchema, IncidentIdSchema, PersonNameSchema, StepIdSchema } from '../contract/index.ts';
import type { CliContext } from './context.ts';
import { formatOptionError, UsageError } from './errors.ts';

/** Validates a command's options and arguments before anything is started or signalled. */
export function parseOptions<T extends z.ZodType>(
  schema: T,
  raw: unknown,
  positional: readonly string[] = [],
): z.infer<T> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new UsageError(formatOptionError(parsed.error, positional));
  return parsed.data;
}

// The CLI validates with the contract's own schemas, so it refuses exactly what the workflow would.
export { IncidentIdSchema, StepIdSchema };
export const PersonSchema = PersonNameSchema;
/** A required free-text argument (note, reason, root cause). */
export const TextArgumentSchema = (what: string) => FreeTextSchema.pipe(z.string().min(1, `${what} must not be empty`));

/** Config + a connected client; the connection is closed when `fn` ends. */
export async function withClient<T>(
  ctx: CliContext,
  fn: (connected: ConnectedClient, config: AppConfig) => Promise<T>,
): Promise<T> {
  const config = loadConfig(ctx.env);
  // Imported here: commands that never talk to Temporal (triage) start without loading its SDK.
  const { connectClient } = await import('../app/temporal-client.ts');
  const connected = await connectClient(ctx.env);
  try {
    return await fn(connected, config);
  } finally {
    await connected.close();
  }
}

/** Rows as aligned columns (two spaces apart, no trailing blanks), one line each. */
export function formatColumns(table: string[][]): string {
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  return `${table
    .map((row) =>
      row
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}
