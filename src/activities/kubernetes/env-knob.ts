import { ApplicationFailure } from '@temporalio/common';
import { ErrorTypes, type DriftChoice, type MutationOp } from '../../contract/index.ts';
import { claim, ownersAnnotation, readOwnership, release } from './ownership.ts';
import type { DeploymentEdit, DeploymentView, EnvChange, EnvVarState, PreviousEnv } from './target.ts';

type SetEnv = Extract<MutationOp, { kind: 'set-env' }>;
type Value = EnvVarState | null;

/** Knobs are per container: an incident changing one container and one changing all of them share it there. */
export const envKnob = (op: SetEnv, container: string) =>
  `env ${op.namespace}/${op.deployment}/${container}/${op.name}`;

const sameValue = (a: Value, b: Value) =>
  a === null || b === null
    ? a === b
    : a.value === b.value && JSON.stringify(a.valueFrom) === JSON.stringify(b.valueFrom);

function targetContainers(view: DeploymentView, op: SetEnv) {
  const containers = op.container ? view.containers.filter((c) => c.name === op.container) : view.containers;
  if (op.container && containers.length === 0) {
    throw ApplicationFailure.nonRetryable(
      `container "${op.container}" not found in deployment/${op.deployment} -n ${op.namespace}`,
      ErrorTypes.KubernetesNotFound,
    );
  }
  return containers;
}

/** How a value reads on the timeline: literal values are configuration; a reference is named, never read. */
export function describeEnv(value: Value): string {
  if (value === null) return 'unset';
  return value.valueFrom !== undefined ? 'from a secret/configmap reference' : `'${value.value ?? ''}'`;
}

export interface EnvDrift {
  knob: string;
  live: string;
  expected: string;
}

/**
 * Sets the variable and claims each container's knob; `previous` is the knob's true original.
 * Where a human changed the value since the holders set it, the value is not written unless
 * `onDrift` is `overwrite`: the mutation joins the holders (so the knob's original is still
 * known) and reports the drift; `applied` keeps what the engine wrote, so every later reader
 * sees the drift too.
 */
export function planSetEnv(
  view: DeploymentView,
  op: SetEnv,
  mutationId: string,
  onDrift: DriftChoice = 'report',
): DeploymentEdit<{ previous: PreviousEnv; changed: boolean; drift: EnvDrift[] }> {
  const desired: EnvVarState = { name: op.name, value: op.value };
  const env: EnvChange[] = [];
  const annotations: Record<string, string> = {};
  const previous: PreviousEnv = [];
  const drift: EnvDrift[] = [];
  for (const c of targetContainers(view, op)) {
    const knob = envKnob(op, c.name);
    const current = c.env.find((e) => e.name === op.name) ?? null;
    const existing = readOwnership<Value>(view.annotations, knob);
    const drifted = existing !== undefined && !sameValue(current, existing.applied) && onDrift !== 'overwrite';
    const { ownership } = claim<Value>(existing, knob, current, drifted ? existing.applied : desired, mutationId);
    annotations[ownersAnnotation(knob)] = JSON.stringify(ownership);
    previous.push({ container: c.name, previous: ownership.original });
    if (drifted) drift.push({ knob, live: describeEnv(current), expected: describeEnv(existing.applied) });
    else if (!sameValue(current, desired)) env.push({ container: c.name, name: op.name, env: desired });
  }
  return { env, annotations, result: { previous, changed: env.length > 0, drift } };
}

export interface EnvRelease {
  /** Knobs this mutation still held: 0 means an earlier attempt already reverted it. */
  released: number;
  /** Knobs restored by this revert (it was the last holder). */
  restored: string[];
  /** Knobs a human changed since the engine set them: not restored (still held, with `report`). */
  drift: EnvDrift[];
}

/**
 * Leaves each knob this mutation holds; the last holder out writes the original back. A value a
 * human changed since the engine set it is never written over silently: with `report` the knob
 * stays held and the drift is returned for a human to choose, with `keep` the knob is let go with
 * the human's value in place, with `overwrite` the original is restored anyway.
 */
export function planRevertEnv(
  view: DeploymentView,
  op: SetEnv,
  mutationId: string,
  previous: PreviousEnv,
  onDrift: DriftChoice = 'report',
): DeploymentEdit<EnvRelease> {
  const env: EnvChange[] = [];
  const annotations: Record<string, string | null> = {};
  const outcome: EnvRelease = { released: 0, restored: [], drift: [] };
  for (const { container } of previous) {
    const knob = envKnob(op, container);
    const c = view.containers.find((x) => x.name === container);
    const step = release<Value>(readOwnership(view.annotations, knob), mutationId);
    if (step.kind === 'not-holder') continue;
    outcome.released += 1;
    if (step.kind === 'still-held') {
      annotations[ownersAnnotation(knob)] = JSON.stringify(step.ownership);
      continue;
    }
    const current = c ? (c.env.find((e) => e.name === op.name) ?? null) : null;
    if (c && !sameValue(current, step.applied) && onDrift !== 'overwrite') {
      outcome.drift.push({ knob, live: describeEnv(current), expected: describeEnv(step.applied) });
      if (onDrift === 'keep') annotations[ownersAnnotation(knob)] = null;
      continue;
    }
    annotations[ownersAnnotation(knob)] = null;
    if (!c) continue;
    if (!sameValue(current, step.original)) env.push({ container, name: op.name, env: step.original });
    outcome.restored.push(container);
  }
  return { env, annotations, result: outcome };
}
