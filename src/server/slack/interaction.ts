import { z } from 'zod';
import { formatZodError } from '../../app/errors.ts';
import { HttpUrlSchema, SLACK_APPROVAL_ACTIONS, SlackApprovalValueSchema } from '../../contract/index.ts';
import { IntakeRefusal } from '../intake/targets.ts';

/** The part of Slack's `block_actions` interaction payload the approval buttons need; Slack sends more. */
const BlockActionsSchema = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string().regex(/^[A-Z0-9]+$/, 'a Slack user id'), team_id: z.string().optional() }),
  team: z.object({ id: z.string().min(1) }).nullable().optional(),
  response_url: HttpUrlSchema,
  message: z.object({ text: z.string().optional(), blocks: z.array(z.record(z.string(), z.unknown())).optional() }).optional(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().optional() })),
});

/** One click on an approval button, as Slack reported it. */
export interface SlackClick {
  decision: 'approved' | 'rejected';
  incidentId: string;
  stepId: string;
  /** Slack user id (U…/W…): whom the mapping names. */
  userId: string;
  /** Slack team (workspace) id, when Slack names one. */
  teamId: string | undefined;
  /** Where answers go: carries a token in its path, so it is never logged. */
  responseUrl: string;
  /** The message the button was on, to update in place. */
  blocks: Array<Record<string, unknown>>;
}

const DECISIONS: Record<string, SlackClick['decision']> = { [SLACK_APPROVAL_ACTIONS.approve]: 'approved', [SLACK_APPROVAL_ACTIONS.reject]: 'rejected' };

/**
 * The approval click in a verified request body (`payload=<JSON>`, form-encoded), or null for an
 * interaction that is not one of ours (other buttons, shortcuts): those are acknowledged and ignored.
 */
export function approvalClickOf(rawBody: Buffer | undefined): SlackClick | null {
  if (!Buffer.isBuffer(rawBody)) throw new IntakeRefusal(400, 'a form body (application/x-www-form-urlencoded) with a payload field');
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
  const action = interaction.actions.find((a) => Object.hasOwn(DECISIONS, a.action_id));
  if (!action) return null;
  let target: unknown;
  try {
    target = JSON.parse(action.value ?? '');
  } catch {
    throw new IntakeRefusal(400, 'the button value is not the incident and step the notification put there');
  }
  const step = SlackApprovalValueSchema.safeParse(target);
  if (!step.success) throw new IntakeRefusal(400, formatZodError(step.error, 'button value'));
  return {
    decision: DECISIONS[action.action_id]!,
    incidentId: step.data.incidentId,
    stepId: step.data.stepId,
    userId: interaction.user.id,
    teamId: interaction.team?.id ?? interaction.user.team_id,
    responseUrl: interaction.response_url,
    blocks: interaction.message?.blocks ?? [],
  };
}
