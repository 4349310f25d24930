import {
  ApprovalSignalSchema,
  identityKey,
  looksAlike,
  VERIFIED_APPROVAL_CHANNELS,
  type ApprovalPolicy,
  type ApprovalRequest,
  type ApprovalSignal,
} from '../../contract/index.ts';

export interface ApprovalGateState {
  approvals: ApprovalRequest[];
  policy: ApprovalPolicy;
  /** Who reported the incident: no self-approval unless the policy allows it. */
  reporter: string;
}

/**
 * Why a decision may not count, or null when it may. Pure, so the update validator and the
 * signal handler give the same answer. Never throws: a client's malformed signal is
 * refused with a message, not allowed to fail the workflow task.
 */
export function approvalProblem(
  gate: ApprovalGateState,
  signal: ApprovalSignal,
  decision: 'approved' | 'rejected',
): string | null {
  const parsed = ApprovalSignalSchema.safeParse(signal);
  if (!parsed.success)
    return `malformed ${decision} signal: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'signal'}: ${i.message}`).join('; ')}`;
  const { stepId, by, via } = parsed.data;
  const request = gate.approvals.find((a) => a.stepId === stepId);
  if (!request) {
    const pending = gate.approvals.filter((a) => a.outcome === 'pending').map((a) => a.stepId);
    return `unknown step "${stepId}" — ${pending.length ? `pending: ${pending.join(', ')}` : 'no approval is pending'}`;
  }
  if (request.outcome === 'superseded') {
    const pending = gate.approvals.filter((a) => a.outcome === 'pending').map((a) => a.stepId);
    return `step "${stepId}" was replaced before this decision arrived (superseded)${pending.length ? `; pending now: ${pending.join(', ')}` : ''} — nothing was decided: read the new request before deciding`;
  }
  if (request.outcome !== 'pending') return `step "${stepId}" is already decided (${request.outcome})`;
  // A request re-opened under the same id is another request: a decision on the one the person read does not carry over.
  if (parsed.data.requestedAt !== undefined && parsed.data.requestedAt !== request.requestedAt) {
    return `step "${stepId}" was replaced by a new request (asked at ${request.requestedAt}, not ${parsed.data.requestedAt} as on your page) — nothing was decided: read the new request before deciding`;
  }
  // Pure (the update validator asks the same and may write no command): the policy decides alone.
  if (gate.policy.requireVerifiedApprovals && !(via && VERIFIED_APPROVAL_CHANNELS.includes(via.channel))) {
    return `${by} is self-declared: this incident accepts only decisions made by a signed-in person in the incident console or a mapped Slack user (policy: verified approvals)`;
  }
  const policy = gate.policy;
  const notApprover = approverProblem(policy, by);
  if (notApprover) return notApprover;
  // Fail-closed: case, width, spaces or a look-alike letter must not make "Rita" a second person next to "rita".
  if (!policy.allowSelfApproval && looksAlike(by, gate.reporter)) {
    return identityKey(by) === identityKey(gate.reporter)
      ? `${by} reported this incident and may not approve its own remediation (policy: no self-approval)`
      : `${by} looks like ${gate.reporter}, who reported this incident and may not approve its own remediation (policy: no self-approval)`;
  }
  const earlier = request.decisions.find((d) => looksAlike(d.by, by));
  if (earlier)
    return identityKey(earlier.by) === identityKey(by)
      ? `${by} already decided step "${stepId}"`
      : `${by} looks like ${earlier.by}, who already decided step "${stepId}"`;
  return null;
}

/** What a request's timeout does: the policy's answer, except that some steps only a human may approve. */
export function timeoutOutcome(
  policy: Pick<ApprovalPolicy, 'onTimeout'>,
  step: { neverAutoApprove?: boolean },
): ApprovalPolicy['onTimeout'] {
  return step.neverAutoApprove && policy.onTimeout === 'auto-approve' ? 'escalate' : policy.onTimeout;
}

/** Why a person may not decide a step or hand over a secret reference, or null: only named approvers, when the policy names any. */
export function approverProblem(policy: Pick<ApprovalPolicy, 'approvers'>, by: string): string | null {
  if (policy.approvers.length === 0) return null;
  // A list that normalises to nothing fails closed: it was meant to restrict, not to open.
  const who = identityKey(by);
  if (who && policy.approvers.some((a) => identityKey(a) === who)) return null;
  // Only the listed name itself counts: a name that merely renders like it (dotless ı, Cyrillic а) is someone else.
  const lookalike = policy.approvers.find((a) => identityKey(a) && looksAlike(a, by));
  const allowed = `(allowed: ${policy.approvers.join(', ')})`;
  return lookalike
    ? `${by} is not an approver: the name only looks like ${lookalike} ${allowed}`
    : `${by} is not an approver ${allowed}`;
}

/** Where a valid decision leaves its request: rejected at once, approved at N of M, or still counting. */
export function tally(
  request: Pick<ApprovalRequest, 'decisions' | 'required'>,
  decision: 'approved' | 'rejected',
): { outcome: 'approved' | 'rejected' | 'pending'; approvals: number } {
  const approvals = request.decisions.filter((d) => d.decision === 'approved').length;
  if (decision === 'rejected') return { outcome: 'rejected', approvals };
  return { outcome: approvals >= request.required ? 'approved' : 'pending', approvals };
}
