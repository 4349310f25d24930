import { describe, expect, it } from 'vitest';
import {
  healthText,
  IncidentStatusSchema,
  type ApprovalRequest,
  type IncidentStatus,
} from '../../src/contract/index.ts';
import { incidentFacts, incidentHeader, severityBadge, stateBadge } from '../../src/server/views/state-header.ts';
import { auditTable } from '../../src/server/views/timeline.ts';

const NOW = Date.parse('2026-11-25T10:30:00.000Z');
/** The visible words of rendered HTML. */
const words = (html: { text: string }) =>
  html.text
    .replace(/<[^>]+>/g, '')
    .replace(/\s+/g, ' ')
    .trim();

const status = (more: Partial<IncidentStatus>): IncidentStatus =>
  IncidentStatusSchema.parse({
    ...{
      incidentId: 'incident-20261125-x',
      runbook: 'ideogram',
      state: 'investigating',
      communicationStatus: 'INVESTIGATING',
      severity: null,
      cause: null,
    },
    ...{
      rationale: null,
      owner: null,
      acknowledged: false,
      pendingApprovals: [],
      monitor: null,
      nextUpdateAt: null,
      mutations: [],
    },
    startedAt: '2026-11-25T10:00:00.000Z',
    symptom: 'image generation returns 500',
    ...more,
  });

const approval = (stepId: string): ApprovalRequest => ({
  stepId,
  description: 'Restore IDEOGRAM_FALLBACK',
  requestedAt: '2026-11-25T10:29:00.000Z',
  deadline: '2026-11-25T10:39:00.000Z',
  required: 1,
  decisions: [],
  outcome: 'pending',
  approveCommand: `runbook approve incident-20261125-x ${stepId} --by <you>`,
});

describe('the incident header', () => {
  it('does not contradict itself while triage is blocked: no "P?", no "triage in progress"', () => {
    const text = words(
      incidentHeader(status({ state: 'blocked', blocker: 'the secret env:IDEOGRAM_KEY is unreadable' }), NOW),
    );
    expect(text).not.toMatch(/P\?|triage in progress/);
    expect(text).toContain('? unclassified');
    expect(text).toContain('Cause: not known: triage is blocked');
    expect(text).toContain('Triage is blocked: the secret env:IDEOGRAM_KEY is unreadable. It tries again by itself.');
    expect(text).toContain('“image generation returns 500”');
  });

  it('asks for what is pending now, not for what triage once decided, with countdowns', () => {
    const s = status({
      state: 'awaiting_approval',
      severity: 'P1',
      cause: 'provider_outage',
      rationale: 'Every generate endpoint fails: Ideogram outage. Enable fallback.',
      pendingApprovals: [approval('disable-fallback')],
      monitor: { healthyStreak: 9, required: 3, polls: 14 },
      nextUpdateAt: '2026-11-25T10:45:00.000Z',
      responseDueAt: '2026-11-25T10:32:30.000Z',
    });
    const header = words(incidentHeader(s, NOW));
    expect(header).toContain('◆ P1 critical');
    expect(header).toContain('Waiting for a human: approve or reject disable-fallback — deadline in 9 min.');
    expect(header).toContain(
      'Acknowledge in 2 min 30 s (response time), or the next on-call is paged · Next stakeholder update in 15 min',
    );
    expect(header).not.toContain('Enable fallback');
    const facts = words(incidentFacts(s, NOW));
    expect(facts).toContain('Real calls: 9 healthy checks in a row (3 needed), poll 14');
    expect(facts).toContain('Opened 30 min ago (open for 30 min)');
    expect(facts).toContain('Triage found: Every generate endpoint fails');
  });

  it('shows an ended incident as ended, with how long it lasted and nothing due', () => {
    const s = status({
      state: 'resolved',
      communicationStatus: 'RESOLVED',
      severity: 'P2',
      cause: 'rate_limited',
      endedAt: '2026-11-25T10:12:04.000Z',
      nextUpdateAt: null,
    });
    expect(words(incidentHeader(s, NOW))).toMatch(/Ended: resolved 17 min 56 s ago; nothing more will happen\.$/);
    expect(words(incidentFacts(s, NOW))).toContain('(lasted 12 min 4 s)');
  });

  it('gives every severity and state a shape and words besides its colour', () => {
    for (const severity of ['P1', 'P2', 'P3', 'P4'] as const)
      expect(words(severityBadge(severity))).toMatch(new RegExp(`^\\S+ ${severity} (critical|major|minor|low)$`));
    for (const state of IncidentStatusSchema.shape.state.options)
      expect(words(stateBadge(state))).toMatch(new RegExp(`^\\S+ ${state}$`));
  });

  it('counts healthy checks as people do', () => {
    expect(healthText({ healthyStreak: 1, required: 3 })).toBe('1 of 3 healthy checks in a row');
    expect(healthText({ healthyStreak: 9, required: 3 })).toBe('9 healthy checks in a row (3 needed)');
  });
});

describe('the audit trail on the page', () => {
  it('leaves timer noise out and says how much it left out', () => {
    const entries = [
      { at: '2026-11-25T10:00:00.000Z', runId: 'r', kind: 'started' as const, who: 'alice', what: 'incident opened' },
      { at: '2026-11-25T10:00:01.000Z', runId: 'r', kind: 'timer' as const, who: null, what: 'timer fired after 0 s' },
      { at: '2026-11-25T10:00:02.000Z', runId: 'r', kind: 'timer' as const, who: null, what: 'timer fired after 0 s' },
      {
        at: '2026-11-25T10:00:03.000Z',
        runId: 'r',
        kind: 'update' as const,
        who: 'bob',
        what: 'approved enable-fallback',
      },
    ];
    const text = words(auditTable(entries));
    expect(text).not.toContain('timer fired');
    expect(text).toContain('approved enable-fallback');
    expect(text).toContain('2 timer events not shown');
  });
});
