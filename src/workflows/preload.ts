// Evaluated once per workflow thread, before any workflow, and shared by all of them (see
// PRELOADED_WORKFLOW_MODULES in src/infra/workflow-bundle.ts). A module of ours, because zod declares
// itself free of side effects and webpack would drop a bare require of it.
import * as zod from 'zod';

// zod fills some module-level state lazily (its locale, its memoizer, whether eval is allowed) on
// first use; the SDK freezes what is shared once this module ran, so all of it is settled here by
// building and running one schema of each kind the contract uses, valid and invalid input alike.
zod.config(zod.locales.en());
zod.config({ memoizer: zod.core.memoizer() });
const warmUp = zod
  .object({
    text: zod
      .string()
      .min(1)
      .max(10)
      .regex(/^[a-z]+$/),
    url: zod.url().optional(),
    at: zod.iso.datetime().optional(),
    count: zod.number().int().nonnegative().default(0),
    kind: zod.enum(['a', 'b']),
    flag: zod.boolean().nullable(),
    list: zod.array(
      zod.discriminatedUnion('type', [
        zod.object({ type: zod.literal('x') }),
        zod.object({ type: zod.literal('y'), n: zod.number() }),
      ]),
    ),
    map: zod.record(zod.string(), zod.union([zod.string(), zod.number()])),
    piped: zod
      .string()
      .transform((s) => s.length)
      .pipe(zod.number()),
  })
  .strict()
  .superRefine(() => undefined);
warmUp.safeParse({
  text: 'ok',
  kind: 'a',
  flag: null,
  list: [{ type: 'x' }, { type: 'y', n: 1 }],
  map: { k: 1 },
  piped: 'abc',
  at: '2026-01-01T00:00:00Z',
});
warmUp.safeParse({
  text: '',
  url: 'no',
  at: 'no',
  count: -1,
  kind: 'c',
  flag: 1,
  list: [{ type: 'z' }],
  map: { k: [] },
  piped: 1,
  extra: true,
});
void warmUp.keyof();

export const sharedZod = zod;
