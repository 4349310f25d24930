/**
 * Every patch the workflow code carries, each with the condition that retires it (docs/upgrades.md,
 * "A change that must reach running incidents").
 *
 * Incidents are pinned to the build they started on, so a change to workflow code ships as a new
 * build and needs no patch. A patch is for the rare change that must reach incidents already running:
 * they are moved onto the new build, which replays their history, so the new code keeps the old
 * path for what they already did. A patch has three stages:
 *
 * 1. `patched`: `if (isPatched(id)) { new } else { old }`, registered here with stage `patched`.
 * 2. `deprecated`: once `retireWhen` holds (no open run took the old path), the old branch goes:
 *    `deprecatedPatch(id); new`, stage `deprecated`, `retireWhen` rewritten for the next stage.
 * 3. removed: once `retireWhen` holds again (no open run recorded the marker), the call and the
 *    entry go, and the stored histories are re-recorded.
 */
import { deprecatePatch, patched } from '@temporalio/workflow';

export interface Patch {
  /** The change, and why it could not wait for incidents to start on the new build. */
  change: string;
  stage: 'patched' | 'deprecated';
  /**
   * When the patch moves to its next stage, as an operator checks it: e.g. "no Running incident run
   * with StartTime before 2027-01-10T12:00:00Z" (the moment the build that introduced it became current).
   */
  retireWhen: string;
}

/** The registry: a patch id used anywhere in the workflow code is a key here. */
export const PATCHES = {} as const satisfies Record<string, Patch>;

type Registered = typeof PATCHES;
export type PatchId = keyof Registered;
type InStage<Stage extends Patch['stage']> = {
  [Id in PatchId]: Registered[Id] extends { stage: Stage } ? Id : never;
}[PatchId];

/** Stage 1: whether this run takes the new path (it does, unless its history was made without it). */
export function isPatched(id: InStage<'patched'>): boolean {
  return patched(id);
}

/** Stage 2: the new path only, still recording the marker for runs that replay on the previous build. */
export function deprecatedPatch(id: InStage<'deprecated'>): void {
  deprecatePatch(id);
}
