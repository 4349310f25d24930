import { claim, ownersAnnotation, readOwnership, release } from './ownership.ts';
import type { CronJobEdit, CronJobView } from './target.ts';

/** The knob is the job's suspend flag; its owner record lives on the CronJob itself. */
export const suspendKnob = (namespace: string, name: string) => `suspend cronjob ${namespace}/${name}`;

/**
 * Suspends one selected job and claims its flag. A job that has gone since it was listed is
 * skipped (`undefined`): there is nothing left to suspend or to restore.
 */
export function planSuspend(namespace: string, view: CronJobView | undefined, mutationId: string): CronJobEdit<{ name: string; suspended: boolean; changed: boolean } | undefined> {
  if (!view) return { annotations: {}, result: undefined };
  const knob = suspendKnob(namespace, view.name);
  const { ownership } = claim<boolean>(readOwnership(view.annotations, knob), knob, view.suspended, true, mutationId);
  return {
    ...(view.suspended ? {} : { suspended: true }),
    annotations: { [ownersAnnotation(knob)]: JSON.stringify(ownership) },
    result: { name: view.name, suspended: ownership.original, changed: !view.suspended },
  };
}

/** Leaves the flag; the last holder out puts the original back (reporting a flag flipped by hand meanwhile). */
export function planResume(namespace: string, name: string, view: CronJobView | undefined, mutationId: string): CronJobEdit<{ held: boolean; drifted: boolean }> {
  const knob = suspendKnob(namespace, name);
  const step = release<boolean>(readOwnership(view?.annotations, knob), mutationId);
  if (!view || step.kind === 'not-holder') return { annotations: {}, result: { held: false, drifted: false } };
  if (step.kind === 'still-held') return { annotations: { [ownersAnnotation(knob)]: JSON.stringify(step.ownership) }, result: { held: true, drifted: false } };
  return {
    ...(view.suspended === step.original ? {} : { suspended: step.original }),
    annotations: { [ownersAnnotation(knob)]: null },
    result: { held: true, drifted: view.suspended !== step.applied },
  };
}
