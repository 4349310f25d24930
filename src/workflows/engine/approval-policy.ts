import { ApprovalSignalSchema, type ApprovalPolicy, type ApprovalRequest, type ApprovalSignal } from '../../contract/index.ts';

export interface ApprovalGateState {
  approvals: ApprovalRequest[];
  policy: ApprovalPolicy;
  /** Who reported the incident: no self-approval unless the policy allows it. */
  reporter: string;
}

/**
 * Why a decision may not count, or null when it may. Pure, so the update validator and the
 * signal handler give the same answer.
 */
export function approvalProblem(gate: ApprovalGateState, signal: ApprovalSignal, decision: 'approved' | 'rejected'): string | null {
  const parsed = ApprovalSignalSchema.safeParse(signal);
  if (!parsed.success) return `malformed ${decision} signal: ${parsed.error.issues.map((i) => i.message).join('; ')}`;
  const request = gate.approvals.find((a) => a.stepId === signal.stepId);
  if (!request) {
    const pending = gate.approvals.filter((a) => a.outcome === 'pending').map((a) => a.stepId);
    return `unknown step "${signal.stepId}" — ${pending.length ? `pending: ${pending.join(', ')}` : 'no approval is pending'}`;
  }
  if (request.outcome !== 'pending') return `step "${signal.stepId}" is already decided (${request.outcome})`;
  const policy = gate.policy;
  if (policy.approvers.length > 0 && !policy.approvers.includes(signal.by)) {
    return `${signal.by} is not an approver (allowed: ${policy.approvers.join(', ')})`;
  }
  if (!policy.allowSelfApproval && signal.by === gate.reporter) {
    return `${signal.by} reported this incident and may not approve its own remediation (policy: no self-approval)`;
  }
  if (request.decisions.some((d) => d.by === signal.by)) return `${signal.by} already decided step "${signal.stepId}"`;
  return null;
}
