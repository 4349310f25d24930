import {
  SLACK_CHOICE_ACTIONS,
  SLACK_CHOICE_BLOCK_ID,
  type HandOverChoices,
  type SlackChoiceValue,
} from '../../contract/index.ts';

/** Slack's limits: button text 75 characters, confirm title 100, confirm text 300, confirm button 30, 25 elements per block. */
const cap = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const plain = (text: string, max: number) => ({ type: 'plain_text', text: cap(text, max) });

function choiceButton(text: string, actionId: string, value: SlackChoiceValue, style?: 'primary' | 'danger') {
  return {
    type: 'button',
    action_id: actionId,
    text: plain(text, 75),
    value: JSON.stringify(value),
    ...(style ? { style } : {}),
  };
}

const confirm = (title: string, text: string, yes: string, no: string) => ({
  title: plain(title, 100),
  text: plain(text, 300),
  confirm: plain(yes, 30),
  deny: plain(no, 30),
});

/**
 * What the person who owns the incident may click: exactly the action table's choices in
 * needs_human. Everything that changes production asks first, and says what it costs users.
 */
export function slackChoiceActions(incidentId: string, choices: HandOverChoices): unknown {
  const offered = new Set(choices.actions);
  const elements: unknown[] = [];
  if (offered.has('verify_again'))
    elements.push(choiceButton('Verify again', SLACK_CHOICE_ACTIONS.verify_again, { incidentId }, 'primary'));
  if (offered.has('revert_change')) {
    // Two places left for Resolve and Cancel within Slack's 25 elements.
    for (const c of choices.changes.slice(0, 25 - elements.length - 2)) {
      const cost = c.protective
        ? `${c.change} shields users: if the provider still fails, they get errors once it is reverted.`
        : `${c.change} goes back to its recorded prior value.`;
      elements.push({
        ...choiceButton(`Revert ${c.change}`, `${SLACK_CHOICE_ACTIONS.revert_change}:${c.step}`, {
          incidentId,
          step: c.step,
        }),
        confirm: confirm(`Revert ${c.step}?`, `${cost} The incident stays with you.`, 'Revert', 'Keep it'),
      });
    }
  }
  if (offered.has('resolve')) {
    elements.push({
      ...choiceButton('Resolve', SLACK_CHOICE_ACTIONS.resolve, { incidentId }),
      confirm: confirm('Resolve the incident?', choices.revertWarning, 'Resolve', 'Back'),
    });
  }
  if (offered.has('cancel')) {
    elements.push({
      ...choiceButton('Cancel incident', SLACK_CHOICE_ACTIONS.cancel, { incidentId }, 'danger'),
      confirm: confirm('Cancel the incident?', choices.revertWarning, 'Cancel the incident', 'Back'),
    });
  }
  return { type: 'actions', block_id: SLACK_CHOICE_BLOCK_ID, elements };
}
