import type { NotificationMessage } from '../../contract/index.ts';

/** Slack reads `<...>` as links and mentions (e.g. `--by <your-name>` would vanish): escape its three control characters. */
export const slackEscape = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** Slack caps section text at 3000 characters and header text at 150. */
const cap = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text: cap(text, 3000) });

/** Slack incoming webhook: Block Kit for the channel, the plain template text as the notification fallback. */
export function slackPayload(message: NotificationMessage): { text: string; blocks: unknown[] } {
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
        [`*Impact:* ${message.impact}`, `*Cause:* ${message.cause}`, `*Action:* ${message.action}`].map(slackEscape).join('\n'),
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
  }
  blocks.push({ type: 'context', elements: [mrkdwn(`incident \`${slackEscape(message.incidentId)}\` · ${message.kind}`)] });
  return { text: slackEscape(message.text), blocks };
}

/** The generic webhook's documented body: exactly these keys, in this order. */
export const WEBHOOK_PAYLOAD_KEYS = ['incidentId', 'severity', 'status', 'impact', 'cause', 'action', 'nextUpdateAt', 'owner', 'text'] as const;

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
