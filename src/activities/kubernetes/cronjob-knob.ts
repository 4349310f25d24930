import type { DriftChoice } from '../../contract/index.ts';
import { claim, ownersAnnotation, readOwnership, release } from './ownership.ts';
import type { CronJobEdit, CronJobView } from './target.ts';

/** The knob is the job's suspend flag; its owner record lives on the CronJob itself. */
export const suspendKnob = (namespace: string, name: string) => `suspend cronjob ${namespace}/${name}`;

const flag = (suspended: boolean) => (suspended ? 'suspended' : 'not suspended');

export interface SuspendDrift {
  knob: string;
  live: string;
  expected: string;
}

/**
 * Suspends one selected job and claims its flag. A job that has gone since it was listed is
 * skipped (`undefined`): there is nothing left to suspend or to restore. A flag a human flipped
 * since the holders suspended it is left alone (reported) unless `onDrift` is `overwrite`.
 */
export function planSuspend(
  namespace: string,
  view: CronJobView | undefined,
  mutationId: string,
  onDrift: DriftChoice = 'report',
): CronJobEdit<{ name: string; suspended: boolean; changed: boolean; drift?: SuspendDrift } | undefined> {
  if (!view) return { annotations: {}, result: undefined };
  const knob = suspendKnob(namespace, view.name);
  const existing = readOwnership<boolean>(view.annotations, knob);
  const drifted = existing !== undefined && view.suspended !== existing.applied && onDrift !== 'overwrite';
  const { ownership } = claim<boolean>(existing, knob, view.suspended, drifted ? existing.applied : true, mutationId);
  const annotations = { [ownersAnnotation(knob)]: JSON.stringify(ownership) };
  if (drifted)
    return {
      annotations,
      result: {
        name: view.name,
        suspended: ownership.original,
        changed: false,
        drift: { knob, live: flag(view.suspended), expected: flag(existing.applied) },
      },
    };
  return {
    ...(view.suspended ? {} : { suspended: true }),
    annotations,
    result: { name: view.name, suspended: ownership.original, changed: !view.suspended },
  };
}

/**
 * Leaves the flag; the last holder out puts the original back, unless a human flipped it since:
 * then, as for env knobs, `report` keeps holding it, `keep` lets go of it, `overwrite` restores anyway.
 */
export function planResume(
  namespace: string,
  name: string,
  view: CronJobView | undefined,
  mutationId: string,
  onDrift: DriftChoice = 'report',
): CronJobEdit<{ held: boolean; drift?: SuspendDrift }> {
  const knob = suspendKnob(namespace, name);
  const step = release<boolean>(readOwnership(view?.annotations, knob), mutationId);
  if (!view || step.kind === 'not-holder') return { annotations: {}, result: { held: false } };
  if (step.kind === 'still-held')
    return { annotations: { [ownersAnnotation(knob)]: JSON.stringify(step.ownership) }, result: { held: true } };
  if (view.suspended !== step.applied && onDrift !== 'overwrite') {
    const drift = { knob, live: flag(view.suspended), expected: flag(step.applied) };
    return { annotations: onDrift === 'keep' ? { [ownersAnnotation(knob)]: null } : {}, result: { held: true, drift } };
  }
  return {
    ...(view.suspended === step.original ? {} : { suspended: step.original }),
    annotations: { [ownersAnnotation(knob)]: null },
    result: { held: true },
  };
}
