/** A runbook document's tooling section as the simulator and the drill take it (the workflow compiles the rest). */
import type { RunbookDocument } from '../documents/schema.ts';
import { stepsOf } from '../documents/steps.ts';
import { simulatorProfileOf } from './document-simulator.ts';
import type { RunbookTooling } from './types.ts';

/** Every step that asks for a secret reference (askSecret, a rotation's ask): a drill hands these a rotated key instead of an approval. */
const secretSteps = (doc: RunbookDocument) =>
  Object.values(doc.plans).flatMap((steps) =>
    stepsOf(steps, []).flatMap(({ step }) =>
      [step.askSecret?.id, step.rotateSecret?.ask.id].filter((id): id is string => id !== undefined),
    ),
  );

export function compileDocumentTooling(doc: RunbookDocument): RunbookTooling {
  return {
    simulator: simulatorProfileOf(doc.tooling.simulator),
    scenarios: doc.tooling.scenarios,
    drill: {
      keyEnv: doc.tooling.drill.keyEnv,
      seed: () => ({ env: doc.tooling.drill.env, cronJobs: doc.tooling.drill.cronJobs }),
      compressedSettings: doc.tooling.drill.compressedSettings,
      decisionThresholds: doc.thresholds,
      secretSteps: secretSteps(doc),
    },
  };
}
