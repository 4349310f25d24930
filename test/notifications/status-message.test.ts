import { describe, expect, it } from 'vitest';
import { IncidentStateSchema, NotificationMessageSchema, SeveritySchema } from '../../src/contract/index.ts';
import {
  nextUpdateDue,
  nextUpdateDueFor,
  renderStatusMessage,
  type StatusMessageInput,
} from '../../src/workflows/engine/status-message.ts';

const base: StatusMessageInput = {
  incidentId: 'incident-20261125-provider-outage',
  title: 'Ideogram Integration',
  kind: 'status',
  severity: 'P1',
  state: 'investigating',
  impact: 'Image generation unavailable for users',
  cause: 'API returning 500',
  action: 'Fallback enabled, monitoring for resolution',
  nextUpdateAt: '2026-11-25T14:30:00.000Z',
  owner: 'alice',
};

const expectedStatus = {
  investigating: 'INVESTIGATING',
  blocked: 'INVESTIGATING',
  awaiting_approval: 'INVESTIGATING',
  mitigating: 'INVESTIGATING',
  mitigated: 'MITIGATED',
  monitoring: 'MITIGATED',
  reverting: 'MITIGATED',
  // A human owns it; nothing unfixed is ever announced as RESOLVED.
  needs_human: 'ESCALATED',
  resolved: 'RESOLVED',
  closed: 'CLOSED',
  cancelled: 'CANCELLED',
  failed: 'FAILED',
} as const;

describe('renderStatusMessage', () => {
  it('fills in the runbook internal Slack template line for line', () => {
    const message = renderStatusMessage(base);
    expect(message.text).toBe(
      [
        'P1 INCIDENT: Ideogram Integration',
        'Status: INVESTIGATING',
        'Impact: Image generation unavailable for users',
        'Cause: API returning 500',
        'Action: Fallback enabled, monitoring for resolution',
        'Next update: 14:30 UTC',
        'Owner: @alice',
      ].join('\n'),
    );
    expect(NotificationMessageSchema.parse(message)).toEqual(message);
    expect(message).toMatchObject({
      status: 'INVESTIGATING',
      owner: '@alice',
      severity: 'P1',
      kind: 'status',
      nextUpdateAt: base.nextUpdateAt,
    });
    expect(message.approval).toBeUndefined();
  });

  it.each(IncidentStateSchema.options)('maps engine state %s to its communication status', (state) => {
    const message = renderStatusMessage({ ...base, state });
    const status = expectedStatus[state as keyof typeof expectedStatus];
    expect(message.status).toBe(status);
    expect(message.text.split('\n')[1]).toBe(`Status: ${status}`);
  });

  it('keeps reporting MITIGATED while a mitigation is in place, e.g. awaiting approval to revert it', () => {
    expect(renderStatusMessage({ ...base, state: 'awaiting_approval', mitigated: true }).status).toBe('MITIGATED');
    expect(renderStatusMessage({ ...base, state: 'awaiting_approval', mitigated: false }).status).toBe('INVESTIGATING');
    expect(renderStatusMessage({ ...base, state: 'resolved', mitigated: true }).status).toBe('RESOLVED');
  });

  it.each(SeveritySchema.options)('heads the message with severity %s', (severity) => {
    expect(renderStatusMessage({ ...base, severity }).text.split('\n')[0]).toBe(
      `${severity} INCIDENT: Ideogram Integration`,
    );
  });

  it('marks an unclassified incident P? and an unacknowledged one unassigned', () => {
    const message = renderStatusMessage({ ...base, severity: null, owner: null });
    expect(message.text.split('\n')[0]).toBe('P? INCIDENT: Ideogram Integration');
    expect(message.text.split('\n')[6]).toBe('Owner: unassigned');
    expect(message.owner).toBe('unassigned');
  });

  it('does not double the @ of an owner given as a handle', () => {
    expect(renderStatusMessage({ ...base, owner: '@bob' }).owner).toBe('@bob');
  });

  it('says when no update is scheduled', () => {
    expect(renderStatusMessage({ ...base, state: 'resolved', nextUpdateAt: null }).text).toContain(
      'Next update: none (resolved)',
    );
    expect(renderStatusMessage({ ...base, severity: 'P4', nextUpdateAt: null }).text).toContain(
      'Next update: on the next change',
    );
  });

  it('keeps every template field on one line, so the seven-line shape holds', () => {
    const message = renderStatusMessage({ ...base, cause: 'API returning 500\nand 503', impact: '  ' });
    const lines = message.text.split('\n');
    expect(lines).toHaveLength(7);
    expect(lines[3]).toBe('Cause: API returning 500 and 503');
    expect(lines[2]).toBe('Impact: -');
  });

  it('adds the reason to an escalation after the template', () => {
    const message = renderStatusMessage({
      ...base,
      kind: 'escalation',
      owner: null,
      escalation: 'P1 not acknowledged within 15 min — page the next on-call',
    });
    const lines = message.text.split('\n');
    expect(lines[0]).toBe('P1 INCIDENT: Ideogram Integration');
    expect(lines.slice(7)).toEqual(['', 'ESCALATION: P1 not acknowledged within 15 min — page the next on-call']);
    expect(message.kind).toBe('escalation');
  });

  it('labels a due-update reminder as a scheduled update with no change', () => {
    const lines = renderStatusMessage({ ...base, kind: 'reminder', state: 'monitoring' }).text.split('\n');
    expect(lines[1]).toBe('Status: MITIGATED');
    expect(lines.at(-1)).toBe('Scheduled update: no change since the last update.');
  });

  it('puts the step, its kubectl equivalent and the exact approve command in an approval request', () => {
    const approval = {
      stepId: 'enable-fallback',
      description: 'Enable fallback mode (return placeholder images)',
      kubectl: 'kubectl set env deployment/ideogram-service IDEOGRAM_FALLBACK=true',
      approveCommand: 'runbook approve incident-20261125-provider-outage enable-fallback --by <your-name>',
    };
    const message = renderStatusMessage({ ...base, kind: 'approval_request', state: 'awaiting_approval', approval });
    expect(message.approval).toEqual(approval);
    expect(message.text.split('\n').slice(7)).toEqual([
      '',
      'Approval needed: enable-fallback — Enable fallback mode (return placeholder images)',
      'kubectl equivalent: kubectl set env deployment/ideogram-service IDEOGRAM_FALLBACK=true',
      'Approve with: runbook approve incident-20261125-provider-outage enable-fallback --by <your-name>',
    ]);
  });

  it('leaves out the kubectl line for a step without one', () => {
    const message = renderStatusMessage({
      ...base,
      kind: 'approval_request',
      approval: {
        stepId: 'rotate-key',
        description: 'Rotate the API key',
        approveCommand: 'runbook approve x rotate-key --by <your-name>',
      },
    });
    expect(message.text).not.toContain('kubectl');
    expect(message.text).toContain('Approve with: runbook approve x rotate-key --by <your-name>');
  });
});

describe('nextUpdateDue', () => {
  const cadence = { P1: 30 * 60_000, P2: 3_600_000, P3: 4 * 3_600_000, P4: null };
  const from = '2026-11-25T14:00:00.000Z';

  it('follows the per-severity cadence', () => {
    expect(nextUpdateDueFor('P1', from, cadence)).toBe('2026-11-25T14:30:00.000Z');
    expect(nextUpdateDueFor('P2', from, cadence)).toBe('2026-11-25T15:00:00.000Z');
    expect(nextUpdateDueFor('P3', from, cadence)).toBe('2026-11-25T18:00:00.000Z');
  });

  it('schedules nothing for P4 or an unclassified incident', () => {
    expect(nextUpdateDueFor('P4', from, cadence)).toBeNull();
    expect(nextUpdateDueFor(null, from, cadence)).toBeNull();
    expect(nextUpdateDue(from, null)).toBeNull();
  });

  it('honours a configured cadence', () => {
    expect(nextUpdateDueFor('P4', from, { ...cadence, P4: 86_400_000 })).toBe('2026-11-26T14:00:00.000Z');
    expect(nextUpdateDue(from, 1_000)).toBe('2026-11-25T14:00:01.000Z');
  });

  it('says MITIGATED only while a change is in place: monitoring with nothing applied is INVESTIGATING', () => {
    expect(renderStatusMessage({ ...base, state: 'monitoring', mitigated: false }).status).toBe('INVESTIGATING');
    expect(renderStatusMessage({ ...base, state: 'monitoring', mitigated: true }).status).toBe('MITIGATED');
    expect(renderStatusMessage({ ...base, state: 'awaiting_approval', mitigated: true }).status).toBe('MITIGATED');
    expect(renderStatusMessage({ ...base, state: 'resolved', mitigated: true }).status).toBe('RESOLVED');
  });
});
