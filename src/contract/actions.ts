import { z } from 'zod';
import { ApprovalViaSchema, PersonNameSchema, FreeTextSchema, StepIdSchema } from './common.ts';
import { OPEN_INCIDENT_STATES, type ApprovalRequest, type IncidentState } from './incident.ts';
import type { MutationRecord } from './mutations.ts';
import { lazySchema } from './lazy-schema.ts';
import { CHOICE_ACTIONS, type HandOverChoices } from './notifications.ts';

/** Everything a human can do to an incident, from the CLI, the console or Slack. */
export const HUMAN_ACTIONS = [
  'acknowledge',
  'note',
  'root_cause',
  'approve',
  'reject',
  'provide_secret',
  'verify_again',
  'revert_change',
  'resolve',
  'cancel',
] as const;
export type HumanAction = (typeof HUMAN_ACTIONS)[number];

/** What the table needs to know besides the state: what is waiting, and what is in place. */
export interface ActionContext {
  /** Steps waiting for an approve/reject decision. */
  pendingSteps: readonly string[];
  /** Steps waiting for a secret reference. */
  pendingSecretSteps: readonly string[];
  /** Changes in place (applied, not reverted) by step. */
  changesInPlace: readonly string[];
  /** The step an approve, reject, provide_secret or revert_change names. */
  step?: string;
}

export type ActionRule = { allowed: true; does: string } | { allowed: false; why: string };

const OPEN_STATES: readonly IncidentState[] = OPEN_INCIDENT_STATES;

const ALWAYS: Partial<Record<HumanAction, string>> = {
  acknowledge: 'takes ownership: the SLA escalation stops',
  note: 'adds a note to the timeline',
  root_cause: 'records the root cause for the postmortem',
  resolve:
    'closes the incident as resolved by you: every change still in place that was not deliberately kept is reverted, even if the provider still fails',
  cancel:
    'closes the incident as cancelled: every change still in place that was not deliberately kept is reverted, even if the provider still fails',
};

function decisionRule(action: 'approve' | 'reject', c: ActionContext): ActionRule {
  if (c.pendingSteps.length === 0) return { allowed: false, why: 'no step is waiting for a decision' };
  if (c.step !== undefined && !c.pendingSteps.includes(c.step))
    return { allowed: false, why: `${c.step} is not waiting for a decision (waiting: ${c.pendingSteps.join(', ')})` };
  return {
    allowed: true,
    does:
      action === 'approve'
        ? 'counts towards the step’s approvals (N of M); the plan goes on when enough agree'
        : 'declines the step; the plan takes its declined path',
  };
}

function secretRule(state: IncidentState, c: ActionContext): ActionRule {
  if (state === 'needs_human')
    return { allowed: true, does: 'hands over another key reference: the plan asks to apply it, then verifies again' };
  if (state === 'blocked') return { allowed: true, does: 'the probes use that reference and triage again' };
  if (c.pendingSecretSteps.length === 0) return { allowed: false, why: 'no step is waiting for a secret reference' };
  if (c.step !== undefined && !c.pendingSecretSteps.includes(c.step))
    return {
      allowed: false,
      why: `${c.step} is not waiting for a secret reference (waiting: ${c.pendingSecretSteps.join(', ')})`,
    };
  return { allowed: true, does: 'answers the waiting request with that reference' };
}

function ownedRule(action: 'verify_again' | 'revert_change', state: IncidentState, c: ActionContext): ActionRule {
  if (state !== 'needs_human') {
    return {
      allowed: false,
      why: `offered only once the engine has handed the incident to a human (needs_human); it is ${state}${action === 'revert_change' ? ', and resolve or cancel revert everything' : ' and already judging by real calls'}`,
    };
  }
  if (action === 'verify_again')
    return {
      allowed: true,
      does: 'checks again with real calls and, if they succeed, resumes the plan’s recovery path',
    };
  if (c.changesInPlace.length === 0) return { allowed: false, why: 'no change is in place' };
  if (c.step !== undefined && !c.changesInPlace.includes(c.step))
    return { allowed: false, why: `${c.step} is not a change in place (in place: ${c.changesInPlace.join(', ')})` };
  return {
    allowed: true,
    does: 'reverts that one change to its recorded prior state, by your choice, recorded on the timeline',
  };
}

/**
 * The one table of what each human action does in each state. The workflow refuses what it does
 * not allow (an update validator), and the CLI, the console and Slack offer exactly what it allows.
 */
export function actionRule(state: IncidentState, action: HumanAction, context: ActionContext): ActionRule {
  if (!OPEN_STATES.includes(state))
    return {
      allowed: false,
      why: `the incident is ${state}: it is over and nothing can change it (open a new incident if the fault is back)`,
    };
  const always = ALWAYS[action];
  if (always) return { allowed: true, does: always };
  if (action === 'approve' || action === 'reject') return decisionRule(action, context);
  if (action === 'provide_secret') return secretRule(state, context);
  return ownedRule(action as 'verify_again' | 'revert_change', state, context);
}

/** What the action table needs from an incident's approvals and changes (the workflow's and the clients' view alike). */
export function actionContextOf(
  approvals: readonly ApprovalRequest[],
  mutations: readonly MutationRecord[],
  step?: string,
): ActionContext {
  const pending = approvals.filter((a) => a.outcome === 'pending');
  return {
    pendingSteps: pending.filter((a) => a.awaits !== 'secret-ref').map((a) => a.stepId),
    pendingSecretSteps: pending.filter((a) => a.awaits === 'secret-ref').map((a) => a.stepId),
    changesInPlace: mutations.filter((m) => !m.revertedAt && m.op.kind !== 'rollout-restart').map((m) => m.step),
    ...(step !== undefined ? { step } : {}),
  };
}

/** What resolving or cancelling would undo, in words for the person about to do it. */
export function revertWarning(mutations: readonly MutationRecord[]): string {
  const undone = mutations.filter((m) => !m.revertedAt && !m.keptBecause && m.op.kind !== 'rollout-restart');
  if (undone.length === 0) return 'Nothing is reverted: no change is in place that was not deliberately kept.';
  const protective = undone.filter((m) => m.purpose === 'protective');
  const users = protective.length
    ? ` ${protective.map((m) => m.change).join(', ')} shields users: if the provider still fails, they get errors once it is reverted.`
    : '';
  return `Reverts ${undone.map((m) => `${m.change} on ${m.target}`).join('; ')}.${users}`;
}

/** The actions offered in a state (for buttons and hints). */
export function offeredActions(state: IncidentState, context: ActionContext): HumanAction[] {
  return HUMAN_ACTIONS.filter((a) => actionRule(state, a, context).allowed);
}

/** The choices a hand-over message offers: the table's, for the incident as it stands in needs_human. */
export function handOverChoices(
  approvals: readonly ApprovalRequest[],
  mutations: readonly MutationRecord[],
): HandOverChoices {
  const offered = offeredActions('needs_human', actionContextOf(approvals, mutations));
  return {
    actions: CHOICE_ACTIONS.filter((a) => offered.includes(a)),
    changes: mutations
      .filter((m) => !m.revertedAt && m.op.kind !== 'rollout-restart')
      .map((m) => ({ step: m.step, change: m.change, protective: m.purpose === 'protective' })),
    revertWarning: revertWarning(mutations),
  };
}

/** A human action that changes the course of the plan, sent as an update so a refusal answers at once. */
export const ActionRequestSchema = lazySchema(() =>
  z.object({
    action: z.enum(['verify_again', 'revert_change', 'resolve', 'cancel']),
    by: PersonNameSchema,
    reason: FreeTextSchema.optional(),
    /** The change to revert (revert_change). */
    step: StepIdSchema.optional(),
    /** Where the choice came from, recorded with it (see ApprovalViaSchema). */
    via: ApprovalViaSchema.optional(),
  }),
);
export type ActionRequest = z.infer<typeof ActionRequestSchema>;
export type ActionAnswer = { accepted: boolean; message: string };

const ACTION_NAMES: Record<HumanAction, string> = {
  acknowledge: 'acknowledge',
  note: 'note',
  root_cause: 'root cause',
  approve: 'approve',
  reject: 'reject',
  provide_secret: 'provide secret',
  verify_again: 'verify again',
  revert_change: 'revert a change',
  resolve: 'resolve',
  cancel: 'cancel',
};

/**
 * The table as people read it (docs/judgement.md, "Every human action, in every state"): ✓ allowed, – refused,
 * "if pending" allowed only while a step waits for that answer. Rendered from `actionRule` itself.
 */
export function renderActionTable(states: readonly IncidentState[]): string {
  const idle: ActionContext = { pendingSteps: [], pendingSecretSteps: [], changesInPlace: ['a-change'] };
  const waiting: ActionContext = {
    pendingSteps: ['a-step'],
    pendingSecretSteps: ['a-secret-step'],
    changesInPlace: ['a-change'],
  };
  const cell = (state: IncidentState, action: HumanAction) => {
    const always = actionRule(state, action, idle).allowed;
    if (always) return '✓';
    return actionRule(state, action, waiting).allowed ? 'if pending' : '–';
  };
  const header = `| state | ${HUMAN_ACTIONS.map((a) => ACTION_NAMES[a]).join(' | ')} |`;
  const rule = `|---|${HUMAN_ACTIONS.map(() => ':-:').join('|')}|`;
  return [header, rule, ...states.map((s) => `| ${s} | ${HUMAN_ACTIONS.map((a) => cell(s, a)).join(' | ')} |`)].join(
    '\n',
  );
}
