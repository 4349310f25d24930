import { describe, expect, it } from 'vitest';
import { slackPayload } from '../../src/activities/notifications/index.ts';
import {
  handOverChoices,
  NotificationMessageSchema,
  revertWarning,
  type MutationOp,
  type MutationRecord,
  type NotificationMessage,
} from '../../src/contract/index.ts';
import { renderStatusMessage } from '../../src/workflows/engine/status-message.ts';

type Confirm = { title: { text: string }; text: { text: string }; confirm: { text: string }; deny: { text: string } };
type Button = { action_id: string; value: string; text: { text: string }; style?: string; confirm?: Confirm };
type Block = { type: string; block_id?: string; text?: { text: string }; elements?: Button[] };

const ID = 'incident-20261125-limits';
const deployment = { namespace: 'payments', deployment: 'ideogram-service' };

function record(step: string, op: MutationOp, change: string, extra: Partial<MutationRecord> = {}): MutationRecord {
  return {
    id: `${step}-1`,
    step,
    target: 'deployment/ideogram-service -n payments',
    op,
    change,
    previous: null,
    appliedAt: '2026-11-25T14:00:00.000Z',
    kubectl: 'kubectl …',
    mode: 'applied',
    changed: true,
    ...extra,
  };
}

const cut = record(
  'reduce-concurrency',
  { kind: 'set-env', ...deployment, name: 'IDEOGRAM_CONCURRENCY', value: '3' },
  'IDEOGRAM_CONCURRENCY=3',
  { purpose: 'protective' },
);
const key = record(
  'apply-new-key',
  {
    kind: 'apply-secret',
    namespace: 'payments',
    secretName: 'ideogram-secrets',
    key: 'api-key',
    ref: { kind: 'env', name: 'NEW_KEY' },
  },
  'secret/ideogram-secrets key api-key from env:NEW_KEY',
  { purpose: 'fix' },
);
const restart = record('restart-after-key', { kind: 'rollout-restart', ...deployment }, 'rollout restart');
const undone = record(
  'pause-batch-jobs',
  { kind: 'suspend-cronjobs', namespace: 'payments', selector: 'runbook.dev/batch=ideogram' },
  'suspend batch',
  { revertedAt: '2026-11-25T14:05:00.000Z' },
);

/** The hand-over's escalation as the engine sends it: the template text plus the table's choices. */
function handOver(mutations: MutationRecord[]): NotificationMessage {
  const message = renderStatusMessage({
    incidentId: ID,
    title: 'Ideogram Integration',
    kind: 'escalation',
    severity: 'P2',
    state: 'needs_human',
    impact: 'Some image generations fail',
    cause: '429 inflight_limit',
    action: 'Escalated to a human',
    nextUpdateAt: null,
    owner: null,
    escalation: 'the fix did not take and a human owns the incident now: 429s persist',
  });
  return { ...message, choices: handOverChoices([], mutations) };
}

const blocksOf = (message: NotificationMessage, approvalButtons = true) =>
  slackPayload(message, { approvalButtons }).blocks as Block[];
const choiceButtons = (blocks: Block[]) => blocks.find((b) => b.block_id === 'runbook_choices')?.elements ?? [];

describe('the hand-over message in Slack', () => {
  it('offers exactly the table’s choices: Verify again, a Revert per change in place, Resolve and Cancel', () => {
    const message = handOver([cut, key, restart, undone]);
    expect(NotificationMessageSchema.parse(message)).toEqual(message);
    const buttons = choiceButtons(blocksOf(message));
    expect(buttons.map((b) => b.action_id)).toEqual([
      'runbook_verify_again',
      'runbook_revert:reduce-concurrency',
      'runbook_revert:apply-new-key',
      'runbook_resolve',
      'runbook_cancel',
    ]);
    expect(buttons.map((b) => b.text.text)).toEqual([
      'Verify again',
      'Revert IDEOGRAM_CONCURRENCY=3',
      'Revert secret/ideogram-secrets key api-key from env:NEW_KEY',
      'Resolve',
      'Cancel incident',
    ]);
    expect(buttons.map((b) => JSON.parse(b.value))).toEqual([
      { incidentId: ID },
      { incidentId: ID, step: 'reduce-concurrency' },
      { incidentId: ID, step: 'apply-new-key' },
      { incidentId: ID },
      { incidentId: ID },
    ]);
  });

  it('asks before a revert, saying users get errors when the change is protective', () => {
    const [, protective, fix] = choiceButtons(blocksOf(handOver([cut, key])));
    expect(protective!.confirm!.text.text).toBe(
      'IDEOGRAM_CONCURRENCY=3 shields users: if the provider still fails, they get errors once it is reverted. The incident stays with you.',
    );
    expect(fix!.confirm!.text.text).not.toContain('shields users');
    expect(fix!.confirm!.text.text).toContain('goes back to its recorded prior value');
  });

  it('asks before Resolve and Cancel with what they would revert, and says it in the message too', () => {
    const blocks = blocksOf(handOver([cut]));
    const warning = revertWarning([cut]);
    expect(warning).toContain('IDEOGRAM_CONCURRENCY=3 shields users');
    const buttons = choiceButtons(blocks);
    expect(buttons.filter((b) => b.confirm?.text.text === warning).map((b) => b.action_id)).toEqual([
      'runbook_resolve',
      'runbook_cancel',
    ]);
    expect(JSON.stringify(blocks)).toContain(`*Resolve or cancel:* ${warning}`);
  });

  it('offers no Revert when nothing is in place', () => {
    const buttons = choiceButtons(blocksOf(handOver([restart, undone])));
    expect(buttons.map((b) => b.action_id)).toEqual(['runbook_verify_again', 'runbook_resolve', 'runbook_cancel']);
  });

  it('keeps Slack’s limits: button text within 75 characters and at most 25 buttons', () => {
    const many = Array.from({ length: 30 }, (_, i) =>
      record(
        `cut-${i}`,
        { kind: 'set-env', ...deployment, name: `KNOB_${i}`, value: 'x'.repeat(100) },
        `KNOB_${i}=${'x'.repeat(100)}`,
      ),
    );
    const buttons = choiceButtons(blocksOf(handOver(many)));
    expect(buttons).toHaveLength(25);
    expect(buttons.at(-1)!.action_id).toBe('runbook_cancel');
    expect(Math.max(...buttons.map((b) => b.text.text.length))).toBeLessThanOrEqual(75);
  });

  it('shows no buttons without Slack interactivity, and none on messages without choices', () => {
    const message = handOver([cut]);
    expect(choiceButtons(blocksOf(message, false))).toEqual([]);
    expect(JSON.stringify(blocksOf(message, false))).toContain('A human owns this incident.');
    const { choices: _none, ...plain } = message;
    expect(blocksOf(plain).some((b) => b.type === 'actions')).toBe(false);
  });
});
