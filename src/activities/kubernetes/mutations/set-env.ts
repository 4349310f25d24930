import { namespaceFlag as nsFlag, shellWord, type MutationOpOf } from '../../../contract/index.ts';
import { planRevertEnv, planSetEnv } from '../env-knob.ts';
import type { PreviousEnv } from '../target.ts';
import { logStillHeld, type MutationHandler } from './handler.ts';

type SetEnv = MutationOpOf<'set-env'>;

/** `kubectl set env`: one variable on one or all containers of a deployment, with an owner record per container. */
export const setEnvHandler: MutationHandler<'set-env', PreviousEnv> = {
  async apply(op, step, { target }) {
    // The variable and its owner record change in one guarded write: `previous` is the value before
    // any incident set it, however many incidents hold it now.
    const { previous, changed, drift } = await target.updateDeployment(
      op.namespace,
      op.deployment,
      (view) => planSetEnv(view, op, step.mutationId, step.onDrift),
      step.dryRun,
    );
    return {
      previous,
      changed,
      drift,
      change: `${op.name}=${op.value}`,
      target: `deployment/${op.deployment} ${nsFlag(op.namespace)}`,
    };
  },

  async revert(op, record, step, { target }) {
    const previous = record.previous as PreviousEnv;
    const released = await target.updateDeployment(
      op.namespace,
      op.deployment,
      (view) => planRevertEnv(view, op, record.id, previous, step.onDrift),
      step.dryRun,
    );
    if (released.restored.length === 0 && released.released > 0) logStillHeld(record);
    // A dry run claimed nothing, so it held nothing: the restore is still validated by the server.
    if (released.released === 0 && step.dryRun) {
      const env = previous.map((p) => ({ container: p.container, name: op.name, env: p.previous }));
      await target.updateDeployment(
        op.namespace,
        op.deployment,
        () => ({ env, annotations: {}, result: undefined }),
        true,
      );
    }
    return released.drift;
  },

  revertKubectl: (op, previous) =>
    previous.map(({ container, previous: p }) => restoreVariable(op, container, p)).join(' && '),
};

function restoreVariable(op: SetEnv, container: string, p: PreviousEnv[number]['previous']): string {
  if (p?.valueFrom !== undefined) {
    // `kubectl set env --from` would rename the variable; a strategic merge patch restores it exactly.
    const patch = {
      spec: {
        template: {
          spec: {
            containers: [{ name: container, env: [{ name: op.name, value: null, valueFrom: p.valueFrom }] }],
          },
        },
      },
    };
    return `kubectl patch deployment/${op.deployment} ${nsFlag(op.namespace)} --type=strategic -p ${shellWord(JSON.stringify(patch))}`;
  }
  const assignment = p === null ? `${op.name}-` : shellWord(`${op.name}=${p.value ?? ''}`);
  return `kubectl set env deployment/${op.deployment} ${assignment} -c ${container} ${nsFlag(op.namespace)}`;
}
