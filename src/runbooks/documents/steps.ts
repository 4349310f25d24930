/** Walking a plan's steps: nested `then` blocks, and the plans a step leads to. */
import type { OutcomeShape, StepShape, SupersededShape } from './schema.ts';

export interface PlacedStep {
  step: StepShape;
  path: (string | number)[];
  /** Inside the `then` of an approve step. */
  approved: boolean;
}

export function stepsOf(steps: readonly StepShape[], path: (string | number)[], approved = false): PlacedStep[] {
  return steps.flatMap((step, i): PlacedStep[] => [
    { step, path: [...path, i], approved },
    ...(step.approve?.then ? stepsOf(step.approve.then, [...path, i, 'approve', 'then'], true) : []),
  ]);
}

const outcomePlan = (o: OutcomeShape | SupersededShape | undefined): string | undefined =>
  typeof o === 'object' && 'goto' in o ? o.goto : undefined;

/** Plans a step leads to, with the path (inside the step) that names each. */
export function planReferences(step: StepShape): Array<{ plan: string | undefined; path: (string | number)[] }> {
  return [
    { plan: step.goto, path: ['goto'] },
    { plan: outcomePlan(step.approve?.onDecline), path: ['approve', 'onDecline', 'goto'] },
    { plan: outcomePlan(step.approve?.onSuperseded), path: ['approve', 'onSuperseded', 'goto'] },
    { plan: outcomePlan(step.approve?.onRecoveredFirst), path: ['approve', 'onRecoveredFirst', 'goto'] },
    { plan: outcomePlan(step.confirmFix?.onDecline), path: ['confirmFix', 'onDecline', 'goto'] },
    { plan: outcomePlan(step.rotateSecret?.onMissing), path: ['rotateSecret', 'onMissing', 'goto'] },
    { plan: outcomePlan(step.rotateSecret?.onDecline), path: ['rotateSecret', 'onDecline', 'goto'] },
    {
      plan: outcomePlan(step.holdUntilStable?.restore.onDecline),
      path: ['holdUntilStable', 'restore', 'onDecline', 'goto'],
    },
    {
      plan: outcomePlan(step.holdUntilStable?.relapse.onDecline),
      path: ['holdUntilStable', 'relapse', 'onDecline', 'goto'],
    },
    { plan: outcomePlan(step.askSecret?.onMissing), path: ['askSecret', 'onMissing', 'goto'] },
    { plan: outcomePlan(step.verify?.onFail), path: ['verify', 'onFail', 'goto'] },
    { plan: outcomePlan(step.watch?.onRelapse), path: ['watch', 'onRelapse', 'goto'] },
  ].filter((r) => r.plan !== undefined);
}
