import { inWorkflowContext } from '@temporalio/workflow';
import type { z } from 'zod';

/** Lazy schemas not built yet. */
const unbuilt = new WeakSet<object>();

/**
 * A schema built on first use. Workflow code is evaluated once per cached incident (the SDK's
 * reusable V8 context gives every workflow its own module instances), and building every schema of
 * the contract there cost ~830 zod objects per cached incident, for the handful a workflow ever
 * parses with. Behind this proxy an unused schema costs a closure. Measured with zod itself shared
 * (src/workflows/preload.ts): 1.85 MB of heap per cached incident before, 0.69 MB after.
 */
export function lazySchema<T extends z.ZodType>(build: () => T): T {
  let built: T | undefined;
  const schema = (): T => {
    if (built === undefined) {
      built = build();
      unbuilt.delete(proxy);
    }
    return built;
  };
  // Members are read from (and bound to) the real schema: zod memoises onto its own instances.
  const proxy = new Proxy(Object.create(null) as T, {
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
  unbuilt.add(proxy);
  return proxy;
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
  return inWorkflowContext() ? lazySchema(build) : build();
}
