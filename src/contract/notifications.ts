import { z } from 'zod';
import { IncidentIdSchema, SeveritySchema, StepIdSchema } from './common.ts';
import { lazySchema } from './lazy-schema.ts';
import { COMMUNICATION_STATUSES } from './incident.ts';

export const NotificationKindSchema = lazySchema(() =>
  z.enum(['status', 'reminder', 'escalation', 'approval_request']),
);

/** The actions a click can carry out; the others need text (a note, a secret reference) or are not choices. */
export const CHOICE_ACTIONS = ['verify_again', 'revert_change', 'resolve', 'cancel'] as const;

export const HandOverChoicesSchema = lazySchema(() =>
  z.object({
    /** Offered by the action table in the incident's state, in the table's order. */
    actions: z.array(z.enum(CHOICE_ACTIONS)),
    /** Changes in place, each of which may be reverted on its own. */
    changes: z.array(z.object({ step: StepIdSchema, change: z.string(), protective: z.boolean() })),
    /** What resolving or cancelling would revert, in words (revertWarning). */
    revertWarning: z.string(),
  }),
);
export type HandOverChoices = z.infer<typeof HandOverChoicesSchema>;

/** One stakeholder update, already rendered from the runbook's template; sinks only format it. */
export const NotificationMessageSchema = lazySchema(() =>
  z.object({
    incidentId: z.string(),
    kind: NotificationKindSchema,
    severity: SeveritySchema.nullable(),
    status: z.enum(COMMUNICATION_STATUSES),
    title: z.string(),
    impact: z.string(),
    cause: z.string(),
    action: z.string(),
    nextUpdateAt: z.string().nullable(),
    owner: z.string(),
    /** The full plain-text message in the runbook's template. */
    text: z.string(),
    approval: z
      .object({
        stepId: z.string(),
        description: z.string(),
        kubectl: z.string().optional(),
        approveCommand: z.string(),
      })
      .optional(),
    /**
     * A human owns the incident (needs_human): what the action table lets them do now, for channels
     * that offer the choices as buttons (Slack). Absent from every other message.
     */
    choices: HandOverChoicesSchema.optional(),
  }),
);
export type NotificationMessage = z.infer<typeof NotificationMessageSchema>;

export const DeliveryResultSchema = lazySchema(() =>
  z.object({
    sink: z.string(),
    ok: z.boolean(),
    error: z.string().optional(),
  }),
);
export type DeliveryResult = z.infer<typeof DeliveryResultSchema>;

/**
 * Slack approval buttons: the action ids the notification's Block Kit carries and the interaction
 * route answers, and the button `value` — which incident and step, nothing secret (Slack's request
 * signature, not the value, is what makes a click trustworthy).
 */
export const SLACK_APPROVAL_ACTIONS = { approve: 'runbook_approve', reject: 'runbook_reject' } as const;
export const SLACK_APPROVAL_BLOCK_ID = 'runbook_approval';
export const SlackApprovalValueSchema = lazySchema(() =>
  z.object({ incidentId: IncidentIdSchema, stepId: StepIdSchema }),
);
export type SlackApprovalValue = z.infer<typeof SlackApprovalValueSchema>;

/**
 * The hand-over's choice buttons. Slack wants action ids unique within a block, so each Revert
 * button's id ends in `:<step>`; the value (incident, and the step for a revert) is what counts.
 */
export const SLACK_CHOICE_ACTIONS = {
  verify_again: 'runbook_verify_again',
  revert_change: 'runbook_revert',
  resolve: 'runbook_resolve',
  cancel: 'runbook_cancel',
} as const;
export const SLACK_CHOICE_BLOCK_ID = 'runbook_choices';
export const SlackChoiceValueSchema = lazySchema(() =>
  z.object({ incidentId: IncidentIdSchema, step: StepIdSchema.optional() }),
);
export type SlackChoiceValue = z.infer<typeof SlackChoiceValueSchema>;
