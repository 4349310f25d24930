import { OperationFailedError, OutcomeUnknownError, RequestRefusedError } from '../../app/errors.ts';
import { decide, incidentStatus } from '../../app/incidents.ts';
import { SLACK_APPROVAL_BLOCK_ID } from '../../contract/index.ts';
import type { SlackClick } from './interaction.ts';
import { ephemeral, escape, mappedPerson, respond, type SlackDecisionDeps } from './respond.ts';

export type { SlackDecisionDeps } from './respond.ts';

/** The message as it was, with the decision under it; the buttons stay while the step still waits for more approvals. */
export function decidedMessage(
  click: SlackClick,
  person: string,
  answer: string,
  stillPending: boolean,
): { replace_original: true; text: string; blocks: unknown[] } {
  const isButtons = (b: Record<string, unknown>) => b.block_id === SLACK_APPROVAL_BLOCK_ID;
  const buttons = click.blocks.find(isButtons);
  const verb = click.decision === 'approved' ? 'Approved' : 'Rejected';
  const icon = click.decision === 'approved' ? ':white_check_mark:' : ':x:';
  const line = `${icon} *${verb}* \`${click.stepId}\` by ${escape(person)} (<@${click.userId}>) via Slack${stillPending ? ` — ${escape(answer)}` : ''}`;
  const blocks = [
    ...click.blocks.filter((b) => !isButtons(b)),
    { type: 'context', elements: [{ type: 'mrkdwn', text: line }] },
    ...(stillPending && buttons ? [buttons] : []),
  ];
  return {
    replace_original: true,
    text: `${click.stepId} ${click.decision} by ${person} on incident ${click.incidentId}`,
    blocks,
  };
}

/**
 * After the click was acknowledged: map the Slack user to an approver, decide through the same
 * update the console and CLI use (the workflow's policy applies), and tell Slack — the message
 * updated in place on success, an ephemeral reason to the clicker otherwise.
 */
export async function settleClick(deps: SlackDecisionDeps, click: SlackClick): Promise<Record<string, unknown>> {
  const where = {
    incidentId: click.incidentId,
    stepId: click.stepId,
    decision: click.decision,
    slackUser: click.userId,
    slackTeam: click.teamId,
  };
  const person = await mappedPerson(deps, click, where, 'Nothing was recorded');
  if (person === null) return { outcome: 'unmapped' };
  let answer: string;
  try {
    answer = await decide(deps.client, click.incidentId, {
      stepId: click.stepId,
      by: person,
      decision: click.decision,
      via: { channel: 'slack', subject: click.userId, ...(click.teamId ? { issuer: click.teamId } : {}) },
    });
  } catch (err) {
    const known = err instanceof RequestRefusedError || err instanceof OperationFailedError;
    if (known) deps.log.warn({ ...where, by: person, reason: err.message }, 'Slack decision refused');
    else deps.log.error({ ...where, by: person, err }, 'Slack decision failed');
    // No answer to a decision already sent: "nothing was recorded" might be false.
    if (err instanceof OutcomeUnknownError) {
      await ephemeral(deps, click, err.message);
      return { outcome: 'unknown' };
    }
    await ephemeral(
      deps,
      click,
      `Nothing was recorded for ${click.stepId}: ${known ? err.message : 'the service could not reach the incident; its log says why'}`,
    );
    return { outcome: 'refused' };
  }
  deps.log.info({ ...where, by: person }, answer);
  const stillPending = await incidentStatus(deps.client, click.incidentId)
    .then((s) => s.pendingApprovals.some((a) => a.stepId === click.stepId && a.outcome === 'pending'))
    .catch(() => false);
  const updated = await respond(deps, click, decidedMessage(click, person, answer, stillPending));
  return { outcome: 'recorded', by: person, messageUpdated: updated };
}
