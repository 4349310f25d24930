/** Helpers for runbooks' simulator profiles: an API endpoint whose body a zod schema checks. */
import type { z } from 'zod';
import type { SimulatedEndpoint, SimulatedRequest } from './types.ts';

/** A POST API endpoint: a body the schema refuses is a 400 naming the fields, like a real API's. */
export function apiEndpoint<S extends z.ZodType>(
  id: string,
  path: string,
  schema: S,
  toRequest: (body: z.infer<S>) => SimulatedRequest,
): SimulatedEndpoint {
  return {
    id,
    kind: 'api',
    method: 'POST',
    path,
    parse: (body) => {
      const parsed = schema.safeParse(body);
      if (!parsed.success)
        return `Invalid request: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
      return toRequest(parsed.data);
    },
  };
}
