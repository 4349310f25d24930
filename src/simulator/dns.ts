import type { LookupAddress, LookupOptions } from 'node:dns';

/** Node's `lookup` shape, as `net.connect` (and so an undici Agent's `connect.lookup`) takes it. */
export type NodeLookup = (
  hostname: string,
  options: LookupOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
) => void;

export type SimulatedLookup = (hostname: string) => Promise<{ address: string; family: 4 }>;

/** Every name answers 127.0.0.1, except `unresolvableHost` and any name while `failing()` says so (ENOTFOUND). */
export function simulatedLookup(unresolvableHost: string, failing: () => boolean): SimulatedLookup {
  return async (hostname) => {
    if (hostname === unresolvableHost || failing()) {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
    }
    return { address: '127.0.0.1', family: 4 };
  };
}

/** The same resolver in Node's callback shape. */
export function asNodeLookup(lookup: SimulatedLookup): NodeLookup {
  return (hostname, lookupOptions, callback) => {
    lookup(hostname).then(
      ({ address, family }) =>
        lookupOptions.all ? callback(null, [{ address, family }]) : callback(null, address, family),
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}
