import { communicationStatus, type IncidentState, type NotificationMessage, type Severity } from '../../contract/index.ts';

export interface StatusMessageInput {
  incidentId: string;
  title: string;
  kind: NotificationMessage['kind'];
  severity: Severity | null;
  state: IncidentState;
  impact: string;
  cause: string;
  action: string;
  nextUpdateAt: string | null;
  owner: string | null;
  approval?: NotificationMessage['approval'];
  escalation?: string;
}

const hhmm = (iso: string) => `${iso.slice(11, 16)} UTC`;

/** The runbook's internal (Slack) template, filled in. Pure: workflow code renders, sinks only deliver. */
export function renderStatusMessage(input: StatusMessageInput): NotificationMessage {
  const status = communicationStatus(input.state);
  const owner = input.owner ? `@${input.owner}` : 'unassigned';
  const lines = [
    `${input.severity ?? 'P?'} INCIDENT: ${input.title}`,
    `Status: ${status}`,
    `Impact: ${input.impact}`,
    `Cause: ${input.cause}`,
    `Action: ${input.action}`,
    `Next update: ${input.nextUpdateAt ? hhmm(input.nextUpdateAt) : status === 'RESOLVED' ? 'none (resolved)' : 'on the next change'}`,
    `Owner: ${owner}`,
  ];
  if (input.kind === 'escalation') lines.unshift(`ESCALATION: ${input.escalation ?? 'no acknowledgement within the response time'}`);
  if (input.kind === 'reminder') lines.unshift('Scheduled update (no change since the last one)');
  if (input.approval) {
    lines.push(
      '',
      `Approval needed: ${input.approval.stepId} — ${input.approval.description}`,
      ...(input.approval.kubectl ? [`Equivalent: ${input.approval.kubectl}`] : []),
      `Approve: ${input.approval.approveCommand}`,
    );
  }
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

/** When the next stakeholder update is due; `null` for severities without a cadence (P4). */
export function nextUpdateDue(fromIso: string, everyMs: number | null): string | null {
  return everyMs === null ? null : new Date(Date.parse(fromIso) + everyMs).toISOString();
}
