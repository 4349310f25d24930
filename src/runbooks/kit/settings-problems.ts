import type { z } from 'zod';
import { unknownKeyProblem, unknownKeys } from '../../contract/index.ts';

/** A runbook's settings checked against their schema: a misspelt setting is named with the one it most likely stands for. */
export function settingsProblems(schema: z.ZodType, raw: unknown): Array<{ path: PropertyKey[]; message: string }> {
  const unknown = unknownKeys(schema, raw ?? {});
  if (unknown.length > 0) return unknown.map((k) => ({ path: k.path, message: unknownKeyProblem(k) }));
  const parsed = schema.safeParse(raw ?? {});
  return parsed.success ? [] : parsed.error.issues.map((i) => ({ path: i.path, message: i.message }));
}
