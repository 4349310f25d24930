import { setTimeout as delay } from 'node:timers/promises';
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { classifyKubeError, isClassified, isConflict, type Call } from './errors.ts';

export const DEFAULT_FIELD_MANAGER = 'runbook-engine';

/**
 * How many times a guarded write re-reads and decides again after losing a race. Each lost race
 * means another writer got through, so N concurrent incidents need at most N rounds; past this the
 * activity fails (retryably) and Temporal's retry takes over.
 */
export const MAX_CONFLICT_ROUNDS = 40;
/** Jittered, so writers that collided do not collide again in lockstep. */
const conflictBackoff = (round: number) => delay(Math.random() * Math.min(2 ** round, 100));

export const patchAs = (strategy: PatchStrategy) => setHeaderOptions('Content-Type', strategy);
export const mergePatch = () => patchAs(PatchStrategy.MergePatch);
export const strategicMergePatch = () => patchAs(PatchStrategy.StrategicMergePatch);

/** Told of every lost race of a guarded write (409 Conflict) before it is retried: for metrics and tests. */
export type ConflictListener = (call: Call & { round: number }) => void;

/** The API clients and the write discipline every resource's operations share. */
export interface KubeApi {
  apps: AppsV1Api;
  batch: BatchV1Api;
  core: CoreV1Api;
  fieldManager: string;
  /** The request options of a (possibly server-side dry-run) write. */
  dry(dryRun: boolean): { dryRun?: string };
  /** Runs one API call, its errors classified. */
  call<T>(c: Call, fn: () => Promise<T>): Promise<T>;
  /**
   * Read, decide, write with the read's resourceVersion as a precondition (a patch carrying
   * metadata.resourceVersion fails with 409 Conflict if the object changed since): the
   * compare-and-swap every owner record update goes through.
   */
  guarded<T, O extends { metadata?: { resourceVersion?: string } }>(
    c: Call,
    read: () => Promise<O | undefined>,
    write: (current: O | undefined) => Promise<T> | T,
  ): Promise<T>;
}

export function makeKubeApi(kc: KubeConfig, fieldManager: string, onConflict?: ConflictListener): KubeApi {
  return {
    apps: kc.makeApiClient(AppsV1Api),
    batch: kc.makeApiClient(BatchV1Api),
    core: kc.makeApiClient(CoreV1Api),
    fieldManager,
    dry: (dryRun) => (dryRun ? { dryRun: 'All' } : {}),
    async call(c, fn) {
      try {
        return await fn();
      } catch (err) {
        throw classifyKubeError(err, c);
      }
    },
    async guarded(c, read, write) {
      for (let round = 1; ; round += 1) {
        const current = await read();
        try {
          return await write(current);
        } catch (err) {
          if (isConflict(err) && round < MAX_CONFLICT_ROUNDS) {
            onConflict?.({ ...c, round });
            await conflictBackoff(round);
            continue;
          }
          // A decision's own typed failure (e.g. no such container) passes through as it is.
          throw isClassified(err) ? err : classifyKubeError(err, c);
        }
      }
    },
  };
}
