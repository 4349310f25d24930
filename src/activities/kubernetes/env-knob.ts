import { ApplicationFailure } from '@temporalio/common';
import { ErrorTypes, type MutationOp } from '../../contract/index.ts';
import { claim, ownersAnnotation, readOwnership, release } from './ownership.ts';
import type { DeploymentEdit, DeploymentView, EnvChange, EnvVarState, PreviousEnv } from './target.ts';

type SetEnv = Extract<MutationOp, { kind: 'set-env' }>;
type Value = EnvVarState | null;

/** Knobs are per container: an incident changing one container and one changing all of them share it there. */
export const envKnob = (op: SetEnv, container: string) => `env ${op.namespace}/${op.deployment}/${container}/${op.name}`;

const sameValue = (a: Value, b: Value) =>
  a === null || b === null ? a === b : a.value === b.value && JSON.stringify(a.valueFrom) === JSON.stringify(b.valueFrom);

function targetContainers(view: DeploymentView, op: SetEnv) {
  const containers = op.container ? view.containers.filter((c) => c.name === op.container) : view.containers;
  if (op.container && containers.length === 0) {
    throw ApplicationFailure.nonRetryable(`container "${op.container}" not found in deployment/${op.deployment} -n ${op.namespace}`, ErrorTypes.KubernetesNotFound);
  }
  return containers;
}

/** Sets the variable and claims each container's knob; `previous` is the knob's true original. */
export function planSetEnv(view: DeploymentView, op: SetEnv, mutationId: string): DeploymentEdit<{ previous: PreviousEnv; changed: boolean }> {
  const desired: EnvVarState = { name: op.name, value: op.value };
  const env: EnvChange[] = [];
  const annotations: Record<string, string> = {};
  const previous: PreviousEnv = [];
  for (const c of targetContainers(view, op)) {
    const knob = envKnob(op, c.name);
    const current = c.env.find((e) => e.name === op.name) ?? null;
    const { ownership } = claim<Value>(readOwnership(view.annotations, knob), knob, current, desired, mutationId);
    annotations[ownersAnnotation(knob)] = JSON.stringify(ownership);
    previous.push({ container: c.name, previous: ownership.original });
    if (!sameValue(current, desired)) env.push({ container: c.name, name: op.name, env: desired });
  }
  return { env, annotations, result: { previous, changed: env.length > 0 } };
}

export interface EnvRelease {
  /** Knobs this mutation still held: 0 means an earlier attempt already reverted it. */
  released: number;
  /** Knobs restored by this revert (it was the last holder). */
  restored: string[];
  /** Knobs whose value was changed by someone else after the runbook set it, restored anyway. */
  drifted: Array<{ container: string; expected: Value; found: Value }>;
}

/**
 * Leaves each knob this mutation holds; the last holder out writes the original back. A value
 * changed by hand since is overwritten too (the incident is over), but reported as drift.
 */
export function planRevertEnv(view: DeploymentView, op: SetEnv, mutationId: string, previous: PreviousEnv): DeploymentEdit<EnvRelease> {
  const env: EnvChange[] = [];
  const annotations: Record<string, string | null> = {};
  const outcome: EnvRelease = { released: 0, restored: [], drifted: [] };
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
    annotations[ownersAnnotation(knob)] = null;
    if (!c) continue;
    const current = c.env.find((e) => e.name === op.name) ?? null;
    if (!sameValue(current, step.applied)) outcome.drifted.push({ container, expected: step.applied, found: current });
    if (!sameValue(current, step.original)) env.push({ container, name: op.name, env: step.original });
    outcome.restored.push(container);
  }
  return { env, annotations, result: outcome };
}
