import { actionContextOf, type ApprovalRequest, type MutationRecord } from '../../contract/index.ts';

export const actionContext = (s: { approvals: readonly ApprovalRequest[]; mutations: readonly MutationRecord[] }, step?: string) => actionContextOf(s.approvals, s.mutations, step);
