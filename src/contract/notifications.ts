import { z } from 'zod';
import { IncidentIdSchema, SeveritySchema, StepIdSchema } from './common.ts';
import { lazySchema } from './lazy-schema.ts';
import { COMMUNICATION_STATUSES } from './incident.ts';

export const NotificationKindSchema = lazySchema(() => z.enum(['status', 'reminder', 'escalation', 'approval_request']));

/** One stakeholder update, already rendered from the runbook's template; sinks only format it. */
export const NotificationMessageSchema = lazySchema(() => z.object({
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
    .object({ stepId: z.string(), description: z.string(), kubectl: z.string().optional(), approveCommand: z.string() })
    .optional(),
}));
export type NotificationMessage = z.infer<typeof NotificationMessageSchema>;

export const DeliveryResultSchema = lazySchema(() => z.object({
  sink: z.string(),
  ok: z.boolean(),
  error: z.string().optional(),
}));
export type DeliveryResult = z.infer<typeof DeliveryResultSchema>;

/**
 * Slack approval buttons: the action ids the notification's Block Kit carries and the interaction
 * route answers, and the button `value` — which incident and step, nothing secret (Slack's request
 * signature, not the value, is what makes a click trustworthy).
 */
export const SLACK_APPROVAL_ACTIONS = { approve: 'runbook_approve', reject: 'runbook_reject' } as const;
export const SLACK_APPROVAL_BLOCK_ID = 'runbook_approval';
export const SlackApprovalValueSchema = lazySchema(() => z.object({ incidentId: IncidentIdSchema, stepId: StepIdSchema }));
export type SlackApprovalValue = z.infer<typeof SlackApprovalValueSchema>;
