import { act } from '../../app/actions.ts';
import { OperationFailedError, OutcomeUnknownError, RequestRefusedError } from '../../app/errors.ts';
import { SLACK_CHOICE_BLOCK_ID } from '../../contract/index.ts';
import type { SlackChoiceClick } from './interaction.ts';
import { ephemeral, escape, mappedPerson, respond, type SlackDecisionDeps } from './respond.ts';

/** What the person chose, in the words the timeline uses ("bob chose to verify again"). */
function chose(click: SlackChoiceClick): string {
  if (click.action === 'verify_again') return 'to verify again';
  if (click.action === 'revert_change') return `to revert ${click.step}`;
  return click.action === 'resolve' ? 'to resolve the incident' : 'to cancel the incident';
}

/** The message as it was, its choice buttons replaced by who chose what: the choice is made, and others see it. */
export function choiceMessage(
  click: SlackChoiceClick,
  person: string,
  answer: string,
): { replace_original: true; text: string; blocks: unknown[] } {
  const line = `:ballot_box_with_check: ${escape(person)} (<@${click.userId}>) chose ${escape(chose(click))} via Slack — ${escape(answer)}`;
  const blocks = [
    ...click.blocks.filter((b) => b.block_id !== SLACK_CHOICE_BLOCK_ID),
    { type: 'context', elements: [{ type: 'mrkdwn', text: line }] },
  ];
  return { replace_original: true, text: `${person} chose ${chose(click)} on incident ${click.incidentId}`, blocks };
}

/**
 * After the click was acknowledged: map the Slack user to a person and act through the same update
 * as the console and the CLI, so the action table decides. A refusal (the incident moved on since
 * the message was posted) is told to the clicker alone; a choice made replaces the buttons.
 */
export async function settleChoice(deps: SlackDecisionDeps, click: SlackChoiceClick): Promise<Record<string, unknown>> {
  const where = {
    incidentId: click.incidentId,
    action: click.action,
    step: click.step,
    slackUser: click.userId,
    slackTeam: click.teamId,
  };
  const person = await mappedPerson(deps, click, where, 'Nothing was done');
  if (person === null) return { outcome: 'unmapped' };
  let answer: string;
  try {
    answer = await act(deps.client, click.incidentId, {
      action: click.action,
      by: person,
      ...(click.step ? { step: click.step } : {}),
      via: { channel: 'slack', subject: click.userId, ...(click.teamId ? { issuer: click.teamId } : {}) },
      // A click carries no text: the reason says so, and `via` where the choice came from.
      ...(click.action === 'resolve' || click.action === 'cancel'
        ? { reason: 'a button in Slack carries no reason' }
        : {}),
    });
  } catch (err) {
    const known = err instanceof RequestRefusedError || err instanceof OperationFailedError;
    if (known) deps.log.warn({ ...where, by: person, reason: err.message }, 'Slack choice refused');
    else deps.log.error({ ...where, by: person, err }, 'Slack choice failed');
    // No answer to a choice already sent: "nothing was done" might be false.
    if (err instanceof OutcomeUnknownError) {
      await ephemeral(deps, click, err.message);
      return { outcome: 'unknown' };
    }
    await ephemeral(
      deps,
      click,
      `Nothing was done (${person} chose ${chose(click)}): ${known ? err.message : 'the service could not reach the incident; its log says why'}`,
    );
    return { outcome: 'refused' };
  }
  deps.log.info({ ...where, by: person }, answer);
  const updated = await respond(deps, click, choiceMessage(click, person, answer));
  return { outcome: 'recorded', by: person, messageUpdated: updated };
}
