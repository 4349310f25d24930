import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { lazySchema as lazySchemaOf } from '../../src/contract/lazy-schema.ts';
import { IncidentTimingsSchema, MutationOpSchema, ServiceTargetSchema } from '../../src/contract/index.ts';

describe.each(['transparent', 'sealed'] as const)('lazySchema (%s)', (kind) => {
  const lazySchema = <T extends z.ZodType>(build: () => T) => lazySchemaOf(build, kind);

  it('builds nothing until the schema is used, then builds once', () => {
    let builds = 0;
    const Schema = lazySchema(() => {
      builds += 1;
      return z.object({ name: z.string().min(1), count: z.number().int().default(3) });
    });
    expect(builds).toBe(0);
    expect(Schema.parse({ name: 'a' })).toEqual({ name: 'a', count: 3 });
    expect(Schema.safeParse({ name: '' }).success).toBe(false);
    expect(builds).toBe(1);
  });

  it('behaves as the schema it builds: composition, extend, shape, instanceof, detached methods', () => {
    const Inner = lazySchema(() => z.enum(['a', 'b']));
    const Outer = lazySchema(() => z.object({ kind: Inner, note: z.string().optional() }));
    const Extended = Outer.extend({ extra: z.boolean() });
    expect(Outer).toBeInstanceOf(z.ZodObject);
    expect(Object.keys(Outer.shape)).toEqual(['kind', 'note']);
    expect(Extended.parse({ kind: 'b', extra: true })).toEqual({ kind: 'b', extra: true });
    expect(() => Extended.parse({ kind: 'c', extra: true })).toThrow(/kind/);
    const { safeParse } = Outer;
    expect(safeParse({ kind: 'a' }).success).toBe(true);
    expect(z.array(Outer).parse([{ kind: 'a' }])).toEqual([{ kind: 'a' }]);
    expect(Inner.options).toEqual(['a', 'b']);
    expect(
      z
        .discriminatedUnion('kind', [
          lazySchema(() => z.object({ kind: z.literal('x') })),
          z.object({ kind: z.literal('y'), n: z.number() }),
        ])
        .parse({ kind: 'y', n: 1 }),
    ).toEqual({ kind: 'y', n: 1 });
  });
});

describe('lazySchema', () => {
  it('sealed, reports itself frozen, so a freeze that stops at frozen objects leaves the schema behind it writable', () => {
    let built: z.ZodType | undefined;
    const Schema = lazySchemaOf(() => (built = z.object({ at: z.iso.datetime() })), 'sealed');
    expect(Object.isFrozen(Schema)).toBe(true);
    expect(Schema.safeParse({ at: 'no' }).success).toBe(false);
    expect(Object.isFrozen(built)).toBe(false);
    expect(Schema.parse({ at: '2026-12-06T00:00:00Z' })).toEqual({ at: '2026-12-06T00:00:00Z' });
    // The transparent one reports the schema's own properties, which a freeze would walk into.
    expect(Object.isFrozen(lazySchemaOf(() => z.string(), 'transparent'))).toBe(false);
  });

  it('leaves the contract schemas as they were: defaults, omit, discriminated unions, error paths', () => {
    expect(IncidentTimingsSchema.parse({}).pollInitialMs).toBe(30_000);
    expect(ServiceTargetSchema.omit({ name: true }).safeParse({}).success).toBe(false);
    const wrong = MutationOpSchema.safeParse({
      kind: 'set-env',
      namespace: 'default',
      deployment: 'd',
      container: 'c',
      name: '',
      value: 'v',
    });
    expect(wrong.success).toBe(false);
    expect(wrong.error!.issues[0]!.path).toEqual(['name']);
  });
});
