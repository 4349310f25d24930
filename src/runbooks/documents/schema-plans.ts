/** The plan part of the runbook document format: the engine's step library. */
import { z } from 'zod';
import { lazySchemaInWorkflows } from '../../contract/lazy-schema.ts';
import { Id, Text } from './schema-parts.ts';
import { Outcome, Superseded, type OutcomeShape, type SupersededShape } from './schema-outcomes.ts';
import {
  ConfirmFix,
  grace,
  HoldUntilStable,
  RotateSecret,
  type ConfirmFixShape,
  type HoldUntilStableShape,
  type RotateSecretShape,
} from './schema-repeating-steps.ts';

/** A change's role: protective (it shields users while the provider fails) or the fix itself; neither is undone while the provider fails. */
const Purpose = lazySchemaInWorkflows(() => z.enum(['protective', 'fix']).optional());
type PurposeShape = 'protective' | 'fix';

export interface StepShape {
  note?: string;
  notify?: string;
  approve?: {
    id: string;
    description: string;
    then?: StepShape[];
    onDecline: OutcomeShape;
    orRecovered?: boolean;
    whileRecovered?: boolean;
    onSuperseded?: SupersededShape;
    onRecoveredFirst?: OutcomeShape;
    neverAutoApprove?: boolean;
    autoApproveWhen?: string;
    autoApproveSeverities?: Array<'P1' | 'P2' | 'P3' | 'P4'>;
    autoApproveReason?: string;
  };
  askSecret?: { id: string; description: string; onMissing: OutcomeShape };
  inspectKey?: true;
  noteEnv?: { name: string };
  setEnv?: { id: string; name: string; value: string; purpose?: PurposeShape };
  applySecret?: { id: string; secret: string; from: string; purpose?: PurposeShape };
  suspendCronJobs?: { id: string; cronJobs: string; purpose?: PurposeShape };
  restart?: { id: string };
  waitForRollout?: true;
  mitigated?: string;
  reverting?: string;
  revert?: { step: string; restart?: string; reverting?: string };
  keep?: { step: string; reason: string };
  verify?: { graceMs?: number; graceSetting?: string; onFail: OutcomeShape };
  watch?: { graceMs?: number; graceSetting?: string; onRelapse: OutcomeShape };
  rotateSecret?: RotateSecretShape;
  holdUntilStable?: HoldUntilStableShape;
  confirmFix?: ConfirmFixShape;
  waitForRecovery?: {
    escalateAfterMs?: number;
    escalateAfterSetting?: string;
    escalation?: string;
    handOver?: boolean;
  };
  falseAlarm?: true;
  resolve?: string;
  close?: string;
  goto?: string;
}

const EnvName = lazySchemaInWorkflows(() =>
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'),
);

/** The engine's step library: a step is an object with exactly one of these keys. No step runs a command. */
export const STEP_LIBRARY = [
  'note',
  'notify',
  'approve',
  'askSecret',
  'inspectKey',
  'noteEnv',
  'setEnv',
  'applySecret',
  'suspendCronJobs',
  'restart',
  'waitForRollout',
  'mitigated',
  'reverting',
  'revert',
  'keep',
  'verify',
  'watch',
  'rotateSecret',
  'holdUntilStable',
  'confirmFix',
  'waitForRecovery',
  'falseAlarm',
  'resolve',
  'close',
  'goto',
] as const;

export const Step: z.ZodType<StepShape> = z.lazy(() =>
  z
    .object({
      note: Text.optional(),
      /** Notifies the escalation channel. */
      notify: Text.optional(),
      /** A human approves the change its `then` steps make (rendered as kubectl); declined: `onDecline`. */
      approve: z
        .object({
          id: Id,
          description: Text,
          then: z.array(Step).optional(),
          onDecline: Outcome.default('continue'),
          /** Also settled when real calls show the provider healthy again. */
          orRecovered: z.boolean().optional(),
          /** Asked because real calls succeed again: a real call that fails before anyone decides supersedes it. */
          whileRecovered: z.boolean().optional(),
          /** What follows a superseded request (`startOver`: the plan runs again from its first step); by default as `onDecline`. */
          onSuperseded: Superseded.optional(),
          /** Approved, but real calls succeed again before `then` changed anything: this instead of the change. */
          onRecoveredFirst: Outcome.optional(),
          neverAutoApprove: z.boolean().optional(),
          /** A boolean setting: when true, approved without waiting for a human. */
          autoApproveWhen: Id.optional(),
          /** With `autoApproveWhen`: only for causes of these severities. */
          autoApproveSeverities: z
            .array(z.enum(['P1', 'P2', 'P3', 'P4']))
            .min(1)
            .optional(),
          /** With `autoApproveWhen`: the reason the timeline gives for the policy's approval. */
          autoApproveReason: Text.optional(),
        })
        .strict()
        .optional(),
      askSecret: z
        .object({
          id: Id,
          description: Text,
          onMissing: Outcome.default({
            close: 'No secret reference was provided: nothing changed; handed back to a human.',
          }),
        })
        .strict()
        .optional(),
      /** Notes whether the service's current key is present and its length (never its value). */
      inspectKey: z.literal(true).optional(),
      /** Notes the variable's current value in each container of the deployment (`(unset)` where it is not set). */
      noteEnv: z.object({ name: EnvName }).strict().optional(),
      setEnv: z.object({ id: Id, name: EnvName, value: z.string(), purpose: Purpose }).strict().optional(),
      applySecret: z.object({ id: Id, secret: Id, from: Id, purpose: Purpose }).strict().optional(),
      suspendCronJobs: z.object({ id: Id, cronJobs: Id, purpose: Purpose }).strict().optional(),
      /** Rollout restart of the service's deployment, then wait for the rollout. */
      restart: z.object({ id: Id }).strict().optional(),
      waitForRollout: z.literal(true).optional(),
      mitigated: Text.optional(),
      reverting: Text.optional(),
      /**
       * Puts back what a step changed (a no-op when it changed nothing); `restart` restarts after;
       * `reverting` sets the incident's state to reverting with that text, only when there is a change to put back.
       */
      revert: z.object({ step: Id, restart: Id.optional(), reverting: Text.optional() }).strict().optional(),
      keep: z.object({ step: Id, reason: Text }).strict().optional(),
      /** Real calls succeed (after the grace period the change needs to take). */
      verify: z
        .object({ ...grace(), onFail: Outcome.default('handOver') })
        .strict()
        .optional(),
      /** After a change: stable after N real successes, or relapsed. */
      watch: z
        .object({ ...grace(), onRelapse: Outcome.default('handOver') })
        .strict()
        .optional(),
      rotateSecret: RotateSecret.optional(),
      holdUntilStable: HoldUntilStable.optional(),
      confirmFix: ConfirmFix.optional(),
      /** Polls until the provider is healthy for N consecutive real checks. */
      waitForRecovery: z
        .object({
          /** Escalate once when still unhealthy after this long, with `escalation` as the message. */
          escalateAfterMs: z.number().int().positive().optional(),
          /** As `escalateAfterMs`, from an integer setting. */
          escalateAfterSetting: Id.optional(),
          escalation: Text.optional(),
          /** Still unhealthy after `escalateAfterMs`: the plan has not worked, a human owns the incident. */
          handOver: z.boolean().optional(),
        })
        .strict()
        .optional(),
      /** Nothing to fix: a false alarm (or a transient fault, recorded as what was seen). */
      falseAlarm: z.literal(true).optional(),
      resolve: Text.optional(),
      close: Text.optional(),
      goto: Id.optional(),
    })
    .strict()
    .refine(
      (s) => Object.keys(s).length === 1,
      `a step is an object with exactly one key, one of: ${STEP_LIBRARY.join(', ')}`,
    ),
) as z.ZodType<StepShape>;
