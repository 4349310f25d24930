import { z } from 'zod';
import { formatZodError } from '../../app/errors.ts';
import {
  HttpUrlSchema,
  SLACK_APPROVAL_ACTIONS,
  SLACK_CHOICE_ACTIONS,
  SlackApprovalValueSchema,
  SlackChoiceValueSchema,
  type HandOverChoices,
} from '../../contract/index.ts';
import { IntakeRefusal } from '../intake/targets.ts';

/** The part of Slack's `block_actions` interaction payload the buttons need; Slack sends more. */
const BlockActionsSchema = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string().regex(/^[A-Z0-9]+$/, 'a Slack user id'), team_id: z.string().optional() }),
  team: z
    .object({ id: z.string().min(1) })
    .nullable()
    .optional(),
  response_url: HttpUrlSchema,
  message: z
    .object({ text: z.string().optional(), blocks: z.array(z.record(z.string(), z.unknown())).optional() })
    .optional(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().optional() })),
});

/** Who clicked, and where the answer goes. */
interface ClickOrigin {
  incidentId: string;
  /** Slack user id (U…/W…): whom the mapping names. */
  userId: string;
  /** Slack team (workspace) id, when Slack names one. */
  teamId: string | undefined;
  /** Where answers go: carries a token in its path, so it is never logged. */
  responseUrl: string;
  /** The message the button was on, to update in place. */
  blocks: Array<Record<string, unknown>>;
}

/** One click on an approval button, as Slack reported it. */
export interface SlackClick extends ClickOrigin {
  kind: 'decision';
  decision: 'approved' | 'rejected';
  stepId: string;
}

/** One click on a hand-over choice (needs_human), as Slack reported it. */
export interface SlackChoiceClick extends ClickOrigin {
  kind: 'choice';
  action: HandOverChoices['actions'][number];
  /** The change to revert (revert_change only). */
  step: string | undefined;
}

const DECISIONS: Record<string, SlackClick['decision']> = {
  [SLACK_APPROVAL_ACTIONS.approve]: 'approved',
  [SLACK_APPROVAL_ACTIONS.reject]: 'rejected',
};

/** The choice an action id stands for: a Revert button's id carries its step after a colon, to stay unique in its block. */
function choiceOf(actionId: string): SlackChoiceClick['action'] | undefined {
  const base = actionId.split(':')[0]!;
  return (Object.keys(SLACK_CHOICE_ACTIONS) as Array<SlackChoiceClick['action']>).find(
    (a) => SLACK_CHOICE_ACTIONS[a] === base && (base === actionId || a === 'revert_change'),
  );
}

function buttonValue<T extends z.ZodType>(schema: T, raw: string | undefined): z.infer<T> {
  let target: unknown;
  try {
    target = JSON.parse(raw ?? '');
  } catch {
    throw new IntakeRefusal(400, 'the button value is not what the notification put there');
  }
  const parsed = schema.safeParse(target);
  if (!parsed.success) throw new IntakeRefusal(400, formatZodError(parsed.error, 'button value'));
  return parsed.data;
}

/**
 * The approval or choice click in a verified request body (`payload=<JSON>`, form-encoded), or null
 * for an interaction that is not one of ours (other buttons, shortcuts): those are acknowledged and ignored.
 */
export function slackClickOf(rawBody: Buffer | undefined): SlackClick | SlackChoiceClick | null {
  if (!Buffer.isBuffer(rawBody))
    throw new IntakeRefusal(400, 'a form body (application/x-www-form-urlencoded) with a payload field');
  const payload = new URLSearchParams(rawBody.toString('utf8')).get('payload');
  if (payload === null) throw new IntakeRefusal(400, 'missing payload field');
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch (err) {
    throw new IntakeRefusal(400, `malformed payload JSON: ${(err as Error).message}`);
  }
  if ((value as { type?: unknown } | null)?.type !== 'block_actions') return null;
  const parsed = BlockActionsSchema.safeParse(value);
  if (!parsed.success) throw new IntakeRefusal(400, formatZodError(parsed.error, 'Slack interaction'));
  const interaction = parsed.data;
  const origin = (incidentId: string): ClickOrigin => ({
    incidentId,
    userId: interaction.user.id,
    teamId: interaction.team?.id ?? interaction.user.team_id,
    responseUrl: interaction.response_url,
    blocks: interaction.message?.blocks ?? [],
  });
  const approval = interaction.actions.find((a) => Object.hasOwn(DECISIONS, a.action_id));
  if (approval) {
    const step = buttonValue(SlackApprovalValueSchema, approval.value);
    return {
      kind: 'decision',
      decision: DECISIONS[approval.action_id]!,
      stepId: step.stepId,
      ...origin(step.incidentId),
    };
  }
  const choice = interaction.actions.find((a) => choiceOf(a.action_id));
  if (!choice) return null;
  const action = choiceOf(choice.action_id)!;
  const target = buttonValue(SlackChoiceValueSchema, choice.value);
  if (action === 'revert_change' && !target.step)
    throw new IntakeRefusal(400, 'a Revert button value names the step to revert');
  return {
    kind: 'choice',
    action,
    step: action === 'revert_change' ? target.step : undefined,
    ...origin(target.incidentId),
  };
}
