import type { z } from 'zod';

/** Lazy schemas not built yet. */
const unbuilt = new WeakSet<object>();

/** The workflow bundle defines `__TEMPORAL__` on its sandbox's global object before any module of ours runs. */
const IN_WORKFLOW_SANDBOX = '__TEMPORAL__' in globalThis;

/**
 * A schema built on first use. Building every schema of the contract cost ~830 zod objects, for the
 * handful a workflow ever parses with; behind this proxy an unused schema costs a closure.
 *
 * `sealed` is for the workflow sandbox, where the contract is evaluated once per workflow thread and
 * shared by every incident on it (PRELOADED_WORKFLOW_MODULES). The SDK freezes what is shared,
 * walking into every object not frozen yet; a sealed proxy reports itself frozen and empty, so the
 * walk stops there and the schema behind it (which zod writes onto as it parses) stays writable. It
 * forwards only reads, writes and `in`: nothing in a workflow lists a schema's own properties.
 * `transparent` (everywhere else) also forwards those, for libraries that walk a schema.
 */
export function lazySchema<T extends z.ZodType>(
  build: () => T,
  kind: 'sealed' | 'transparent' = IN_WORKFLOW_SANDBOX ? 'sealed' : 'transparent',
): T {
  let built: T | undefined;
  const schema = (): T => {
    if (built === undefined) {
      built = build();
      unbuilt.delete(proxy);
    }
    return built;
  };
  // Members are read from (and bound to) the real schema: zod memoises onto its own instances.
  const proxy = kind === 'sealed' ? sealedProxy(schema) : transparentProxy(schema);
  unbuilt.add(proxy);
  return proxy;
}

function sealedProxy<T extends z.ZodType>(schema: () => T): T {
  return new Proxy(Object.freeze(Object.create(null)) as T, {
    get: (_, key) => Reflect.get(schema(), key, schema()),
    set: (_, key, value) => Reflect.set(schema(), key, value, schema()),
    has: (_, key) => Reflect.has(schema(), key),
  });
}

function transparentProxy<T extends z.ZodType>(schema: () => T): T {
  return new Proxy(Object.create(null) as T, {
    get: (_, key) => Reflect.get(schema(), key, schema()),
    set: (_, key, value) => Reflect.set(schema(), key, value, schema()),
    has: (_, key) => Reflect.has(schema(), key),
    ownKeys: () => Reflect.ownKeys(schema()),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(schema(), key);
      // The proxy's own target is empty, so it may only report configurable properties.
      return descriptor ? { ...descriptor, configurable: true } : undefined;
    },
    defineProperty: (_, key, descriptor) => Reflect.defineProperty(schema(), key, descriptor),
    getPrototypeOf: () => Reflect.getPrototypeOf(schema()),
  });
}

/** A lazy schema nothing has used yet (so nothing was built for it). */
export const isUnbuiltSchema = (schema: z.ZodType): boolean => unbuilt.has(schema);

/**
 * A schema built on first use inside a workflow, where every cached incident evaluates its module
 * again, and at once everywhere else (the CLI, the console, the worker's own thread). For schemas a
 * workflow rarely parses with: the runbook document format, parsed once per document text and
 * workflow thread because the compiled runbook is shared. Outside a workflow it is a plain schema,
 * which zod's JSON Schema generation needs: it keys what it has seen by the schema's identity.
 */
export function lazySchemaInWorkflows<T extends z.ZodType>(build: () => T): T {
  return IN_WORKFLOW_SANDBOX ? lazySchema(build) : build();
}
