import type { z } from 'zod';

/**
 * A schema built on first use. Workflow code is evaluated once per cached incident (the SDK's
 * reusable V8 context gives every workflow its own module instances), and building every schema of
 * the contract there cost ~830 zod objects per cached incident, for the handful a workflow ever
 * parses with. Behind this proxy an unused schema costs a closure. Measured with zod itself shared
 * (src/workflows/preload.ts): 1.85 MB of heap per cached incident before, 0.69 MB after.
 */
export function lazySchema<T extends z.ZodType>(build: () => T): T {
  let built: T | undefined;
  const schema = (): T => (built ??= build());
  // Members are read from (and bound to) the real schema: zod memoises onto its own instances.
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
