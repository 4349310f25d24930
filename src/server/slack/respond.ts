import type { TemporalClient } from '../../app/temporal-client.ts';
import type { Logger } from 'pino';
import { request, type Dispatcher } from 'undici';

/** Slack reads `<...>` as links and mentions: a person's name is shown as typed. */
export const escape = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

export interface SlackDecisionDeps {
  client: TemporalClient;
  /** Slack user id → approver identity (RUNBOOK_SLACK_USERS). */
  users: Readonly<Record<string, string>>;
  log: Logger;
  timeoutMs?: number;
  dispatcher?: Dispatcher;
}

/** Where a click's answer goes: its response_url carries a token in its path, so it is never logged. */
export interface Answerable {
  responseUrl: string;
}

/** Posts one answer to the interaction's response_url; a failure is logged (host only: the path is a token). */
export async function respond(
  deps: SlackDecisionDeps,
  click: Answerable,
  body: Record<string, unknown>,
): Promise<boolean> {
  const host = new URL(click.responseUrl).host;
  try {
    const response = await request(click.responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(deps.timeoutMs ?? 5_000),
      dispatcher: deps.dispatcher,
    });
    await response.body.dump();
    if (response.statusCode >= 200 && response.statusCode < 300) return true;
    deps.log.warn({ host, status: response.statusCode }, 'Slack refused the answer to a click');
  } catch (err) {
    deps.log.warn(
      { host, error: (err as { code?: string }).code ?? (err as Error).name },
      'Slack answer to a click not delivered',
    );
  }
  return false;
}

/** Only the person who clicked sees it; the channel's message stays as it was. */
export const ephemeral = (deps: SlackDecisionDeps, click: Answerable, text: string) =>
  respond(deps, click, { response_type: 'ephemeral', replace_original: false, text });

/**
 * The person a Slack user is mapped to (RUNBOOK_SLACK_USERS); without a mapping the clicker alone
 * is told `nothing` happened and why, and the answer is null.
 */
export async function mappedPerson(
  deps: SlackDecisionDeps,
  click: Answerable & { userId: string },
  where: Record<string, unknown>,
  nothing: string,
): Promise<string | null> {
  const person = Object.hasOwn(deps.users, click.userId) ? deps.users[click.userId] : undefined;
  if (person) return person;
  deps.log.warn(where, 'Slack click from an unmapped user refused');
  await ephemeral(
    deps,
    click,
    `${nothing}: your Slack user ${click.userId} is not mapped to an approver. Ask whoever runs the runbook service to add it to RUNBOOK_SLACK_USERS.`,
  );
  return null;
}
