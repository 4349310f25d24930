import { createHmac } from 'node:crypto';
import type { WebhookReceiver } from './webhook-receiver.ts';

export type SlackButton = {
  action_id?: string;
  value?: string;
  text?: { text: string } | string;
  confirm?: { text: { text: string } };
};
export type SlackBlock = { type: string; block_id?: string; text?: { text: string }; elements?: SlackButton[] };

/**
 * Clicks as Slack posts them to the console's interaction route: a form-encoded `payload`, signed
 * v0:timestamp:body with HMAC-SHA256 under the app's signing secret, each with its own response_url
 * on the loopback "Slack" so every answer can be told apart.
 */
export function slackClicker(options: {
  slack: WebhookReceiver;
  consoleUrl: () => string;
  secret: string;
  team: string;
}) {
  const { slack, secret, team } = options;
  let responses = 0;

  /** The click's body and the path its answer will be posted to. */
  function click(user: string, button: { actionId: string; value: string; blockId: string }, blocks: SlackBlock[]) {
    responses += 1;
    const responsePath = `/actions/${team}/${responses}/response-token-${responses}`;
    const payload = {
      type: 'block_actions',
      user: { id: user, username: user.toLowerCase(), team_id: team },
      api_app_id: 'A0RUNBOOK',
      team: { id: team, domain: 'acme' },
      container: { type: 'message', message_ts: '1764064800.000100', channel_id: 'C0INCIDENTS', is_ephemeral: false },
      channel: { id: 'C0INCIDENTS', name: 'incidents' },
      message: { type: 'message', ts: '1764064800.000100', text: 'incident update', blocks },
      response_url: slack.url(responsePath),
      trigger_id: '1.2.3',
      actions: [
        {
          type: 'button',
          action_id: button.actionId,
          block_id: button.blockId,
          value: button.value,
          action_ts: '1764064860.1',
        },
      ],
    };
    return { body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), responsePath };
  }

  /** Slack's documented signing: `v0=` + hex HMAC-SHA256(secret, `v0:<timestamp>:<raw body>`). */
  function signedHeaders(body: string, over: { secret?: string; timestamp?: number } = {}): Record<string, string> {
    const timestamp = String(over.timestamp ?? Math.floor(Date.now() / 1000));
    const signature = `v0=${createHmac('sha256', over.secret ?? secret)
      .update(`v0:${timestamp}:${body}`)
      .digest('hex')}`;
    return {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': signature,
    };
  }

  async function post(body: string, headers: Record<string, string>): Promise<{ status: number; error?: string }> {
    const response = await fetch(new URL('/hooks/slack/interactions', options.consoleUrl()), {
      method: 'POST',
      body,
      headers,
    });
    const text = await response.text();
    return { status: response.status, ...(text ? { error: (JSON.parse(text) as { error?: string }).error } : {}) };
  }

  /** The one answer the service posted to this click's response_url. */
  async function answerTo(responsePath: string): Promise<Record<string, unknown>> {
    const [answer] = await slack.waitFor(1, (r) => r.path === responsePath, 30_000);
    return answer!.json as Record<string, unknown>;
  }

  /** Clicks, signed, and returns the service's answer to it. */
  async function clickAndAnswer(
    user: string,
    button: { actionId: string; value: string; blockId: string },
    blocks: SlackBlock[],
  ): Promise<Record<string, unknown>> {
    const { body, responsePath } = click(user, button, blocks);
    const posted = await post(body, signedHeaders(body));
    if (posted.status !== 200) throw new Error(`the click was answered ${posted.status}: ${posted.error}`);
    return answerTo(responsePath);
  }

  return { click, signedHeaders, post, answerTo, clickAndAnswer };
}
