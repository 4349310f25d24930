import {
  SLACK_APPROVAL_ACTIONS,
  SLACK_APPROVAL_BLOCK_ID,
  type NotificationMessage,
  type SlackApprovalValue,
} from '../../contract/index.ts';
import { slackChoiceActions } from './slack-choices.ts';

/** Slack reads `<...>` as links and mentions (e.g. `--by <your-name>` would vanish): escape its three control characters. */
export const slackEscape = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** Slack caps section text at 3000 characters and header text at 150. */
const cap = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text: cap(text, 3000) });

const button = (text: string, actionId: string, value: string, style: 'primary' | 'danger') => ({
  type: 'button',
  action_id: actionId,
  text: { type: 'plain_text', text },
  style,
  value,
});

/**
 * Approve / Reject for an approval step (not for a secret-reference request: that needs a reference,
 * not a click). The value names the incident and step; Slack posts the click to the interaction route.
 */
export function slackApprovalActions(incidentId: string, stepId: string): unknown {
  const value = JSON.stringify({ incidentId, stepId } satisfies SlackApprovalValue);
  return {
    type: 'actions',
    block_id: SLACK_APPROVAL_BLOCK_ID,
    elements: [
      {
        ...button('Approve', SLACK_APPROVAL_ACTIONS.approve, value, 'primary'),
        confirm: {
          title: { type: 'plain_text', text: 'Approve this change?' },
          text: { type: 'plain_text', text: cap(`${stepId} on incident ${incidentId}`, 300) },
          confirm: { type: 'plain_text', text: 'Approve' },
          deny: { type: 'plain_text', text: 'Cancel' },
        },
      },
      button('Reject', SLACK_APPROVAL_ACTIONS.reject, value, 'danger'),
    ],
  };
}

export interface SlackPayloadOptions {
  /** Slack interactivity is set up (the service verifies the clicks): approval requests and the hand-over's choices get buttons. */
  approvalButtons?: boolean;
}

/** Slack incoming webhook: Block Kit for the channel, the plain template text as the notification fallback. */
export function slackPayload(
  message: NotificationMessage,
  options: SlackPayloadOptions = {},
): { text: string; blocks: unknown[] } {
  const headline = message.text.split('\n')[0] ?? '';
  const blocks: unknown[] = [{ type: 'header', text: { type: 'plain_text', text: cap(headline, 150) } }];
  if (message.kind === 'escalation') {
    const reason = message.text.split('\n').find((l) => l.startsWith('ESCALATION: '));
    blocks.push({ type: 'section', text: mrkdwn(`:rotating_light: *${slackEscape(reason ?? 'ESCALATION')}*`) });
  }
  blocks.push(
    {
      type: 'section',
      fields: [
        mrkdwn(`*Status:*\n${message.status}`),
        mrkdwn(`*Severity:*\n${message.severity ?? 'unclassified'}`),
        mrkdwn(`*Owner:*\n${slackEscape(message.owner)}`),
        mrkdwn(`*Next update:*\n${message.nextUpdateAt ?? 'none scheduled'}`),
      ],
    },
    {
      type: 'section',
      text: mrkdwn(
        [`*Impact:* ${message.impact}`, `*Cause:* ${message.cause}`, `*Action:* ${message.action}`]
          .map(slackEscape)
          .join('\n'),
      ),
    },
  );
  if (message.approval) {
    const { stepId, description, kubectl, approveCommand } = message.approval;
    blocks.push({
      type: 'section',
      text: mrkdwn(
        [
          `*Approval needed:* \`${slackEscape(stepId)}\` — ${slackEscape(description)}`,
          ...(kubectl ? [`*kubectl equivalent:*\n\`\`\`${slackEscape(kubectl)}\`\`\``] : []),
          `*Approve with:*\n\`\`\`${slackEscape(approveCommand)}\`\`\``,
        ].join('\n'),
      ),
    });
    if (options.approvalButtons && approveCommand.startsWith('runbook approve '))
      blocks.push(slackApprovalActions(message.incidentId, stepId));
  }
  if (message.choices) {
    const { actions, revertWarning } = message.choices;
    const buttons = options.approvalButtons && actions.length > 0;
    blocks.push({
      type: 'section',
      text: mrkdwn(
        [
          `*A human owns this incident${buttons ? ': choose below' : ''}.* Changes stay in place; real calls keep being watched and the plan resumes by itself if they succeed.`,
          ...(actions.includes('resolve') || actions.includes('cancel')
            ? [`*Resolve or cancel:* ${slackEscape(revertWarning)}`]
            : []),
        ].join('\n'),
      ),
    });
    if (buttons) blocks.push(slackChoiceActions(message.incidentId, message.choices));
  }
  blocks.push({
    type: 'context',
    elements: [mrkdwn(`incident \`${slackEscape(message.incidentId)}\` · ${message.kind}`)],
  });
  return { text: slackEscape(message.text), blocks };
}

/** The generic webhook's documented body: exactly these keys, in this order. */
export const WEBHOOK_PAYLOAD_KEYS = [
  'incidentId',
  'severity',
  'status',
  'impact',
  'cause',
  'action',
  'nextUpdateAt',
  'owner',
  'text',
] as const;

export function webhookPayload(message: NotificationMessage): Record<(typeof WEBHOOK_PAYLOAD_KEYS)[number], unknown> {
  return {
    incidentId: message.incidentId,
    severity: message.severity,
    status: message.status,
    impact: message.impact,
    cause: message.cause,
    action: message.action,
    nextUpdateAt: message.nextUpdateAt,
    owner: message.owner,
    text: message.text,
  };
}
