import {
  communicationStatus,
  FINAL_COMMUNICATION_STATUSES,
  terminalSafe,
  type IncidentState,
  type NotificationMessage,
  type Severity,
} from '../../contract/index.ts';

export interface StatusMessageInput {
  incidentId: string;
  /** The runbook's title, as it heads every message. */
  title: string;
  kind: NotificationMessage['kind'];
  severity: Severity | null;
  state: IncidentState;
  impact: string;
  cause: string;
  action: string;
  nextUpdateAt: string | null;
  /** The acknowledger; `null` until someone acknowledges. */
  owner: string | null;
  approval?: NotificationMessage['approval'];
  /** Why the incident escalated (escalation messages only). */
  escalation?: string;
  /**
   * True while a mitigation is in place. Waiting for approval to undo it (awaiting_approval after
   * monitoring) must not tell stakeholders the incident is back to INVESTIGATING.
   */
  mitigated?: boolean;
}

/** Per-severity cadence of stakeholder updates; `null` means no scheduled updates (P4 by default). */
export type UpdateCadence = Record<Severity, number | null>;

const hhmm = (iso: string) => `${iso.slice(11, 16)} UTC`;
const oneLine = (text: string) => terminalSafe(text.replace(/\s*\n\s*/g, ' ')).trim() || '-';

/**
 * The runbook's internal (Slack) template, filled in. Pure: the workflow renders, sinks only deliver.
 * The seven template lines always come first and verbatim, so every sink (and every reader) sees the
 * same shape; escalation, reminder and approval details follow after a blank line.
 */
/**
 * While the incident is open, stakeholders hear MITIGATED exactly when a recorded change is in
 * place; callers that do not say (undefined) keep the engine state's own status.
 */
function stakeholderStatus(
  derived: 'INVESTIGATING' | 'MITIGATED',
  mitigated: boolean | undefined,
): 'INVESTIGATING' | 'MITIGATED' {
  if (mitigated === undefined) return derived;
  return mitigated ? 'MITIGATED' : 'INVESTIGATING';
}

export function renderStatusMessage(input: StatusMessageInput): NotificationMessage {
  const derived = communicationStatus(input.state);
  // Stakeholders hear MITIGATED only while a recorded change is in place, whatever the engine is doing.
  const ended = FINAL_COMMUNICATION_STATUSES.includes(derived);
  // A human owns it: ESCALATED whatever is in place, so nobody reads it as handled.
  const status =
    ended || derived === 'ESCALATED'
      ? derived
      : stakeholderStatus(derived as 'INVESTIGATING' | 'MITIGATED', input.mitigated);
  const owner = input.owner ? `@${oneLine(input.owner).replace(/^@/, '')}` : 'unassigned';
  const lines = [
    `${input.severity ?? 'P?'} INCIDENT: ${oneLine(input.title)}`,
    `Status: ${status}`,
    `Impact: ${oneLine(input.impact)}`,
    `Cause: ${oneLine(input.cause)}`,
    `Action: ${oneLine(input.action)}`,
    `Next update: ${input.nextUpdateAt ? hhmm(input.nextUpdateAt) : ended ? `none (${status.toLowerCase()})` : 'on the next change'}`,
    `Owner: ${owner}`,
  ];
  const extra = extraLines(input);
  if (extra.length) lines.push('', ...extra);
  return {
    incidentId: input.incidentId,
    kind: input.kind,
    severity: input.severity,
    status,
    title: input.title,
    impact: input.impact,
    cause: input.cause,
    action: input.action,
    nextUpdateAt: input.nextUpdateAt,
    owner,
    text: lines.join('\n'),
    ...(input.approval ? { approval: input.approval } : {}),
  };
}

function extraLines(input: StatusMessageInput): string[] {
  switch (input.kind) {
    case 'status':
      return [];
    case 'reminder':
      return ['Scheduled update: no change since the last update.'];
    case 'escalation':
      return [`ESCALATION: ${oneLine(input.escalation ?? 'not acknowledged within the response time')}`];
    case 'approval_request': {
      const approval = input.approval;
      if (!approval) return ['Approval needed (details missing: see `runbook status`).'];
      return [
        `Approval needed: ${approval.stepId} — ${oneLine(approval.description)}`,
        ...(approval.kubectl ? [`kubectl equivalent: ${oneLine(approval.kubectl)}`] : []),
        `Approve with: ${approval.approveCommand}`,
      ];
    }
  }
}

/** When the next stakeholder update is due; `null` for severities without a cadence (P4). */
export function nextUpdateDue(fromIso: string, everyMs: number | null): string | null {
  return everyMs === null ? null : new Date(Date.parse(fromIso) + everyMs).toISOString();
}

/** The same, looked up by severity: unclassified incidents have no cadence until triage decides. */
export function nextUpdateDueFor(severity: Severity | null, fromIso: string, cadence: UpdateCadence): string | null {
  return severity ? nextUpdateDue(fromIso, cadence[severity]) : null;
}
