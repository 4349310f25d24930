import { describe, expect, it } from 'vitest';
import { ApprovalPolicySchema, type ApprovalRequest, type ApprovalSignal } from '../../src/contract/index.ts';
import {
  approvalProblem,
  approverProblem,
  tally,
  timeoutOutcome,
  type ApprovalGateState,
} from '../../src/workflows/engine/approval-policy.ts';

const request = (decisions: ApprovalRequest['decisions'] = [], required = 1): ApprovalRequest => ({
  stepId: 'enable-fallback',
  description: 'Enable fallback',
  requestedAt: '2026-11-25T00:00:00.000Z',
  deadline: '2026-11-25T01:00:00.000Z',
  required,
  decisions,
  outcome: 'pending',
  approveCommand: 'runbook approve x enable-fallback --by <your-name>',
});

const gate = (
  policy: Partial<ApprovalGateState['policy']> = {},
  decisions: ApprovalRequest['decisions'] = [],
  reporter = 'rita',
): ApprovalGateState => ({
  approvals: [request(decisions, policy.required ?? 1)],
  policy: ApprovalPolicySchema.parse(policy),
  reporter,
});

const approve = (g: ApprovalGateState, by: unknown, extra: Partial<ApprovalSignal> = {}) =>
  approvalProblem(g, { stepId: 'enable-fallback', by: by as string, ...extra }, 'approved');

describe('approval policy: identities', () => {
  it("with verified approvals required, refuses self-declared decisions and accepts the console's", () => {
    const g = gate({ requireVerifiedApprovals: true });
    expect(approve(g, 'bob')).toMatch(/bob is self-declared/);
    expect(approve(g, 'bob', { via: { channel: 'cli' } })).toMatch(/self-declared/);
    expect(approvalProblem(g, { stepId: 'enable-fallback', by: 'bob', via: { channel: 'cli' } }, 'rejected')).toMatch(
      /self-declared/,
    );
    expect(
      approve(g, 'bob', { via: { channel: 'console', issuer: 'https://idp.example', subject: 'u-1' } }),
    ).toBeNull();
    // Verified or not, the other rules still hold.
    expect(approve(g, 'rita', { via: { channel: 'console', issuer: 'https://idp.example', subject: 'u-2' } })).toMatch(
      /may not approve its own remediation/,
    );
    expect(approve(gate(), 'bob', { via: { channel: 'cli' } })).toBeNull();
  });

  it('counts a Slack click (signed by Slack, user mapped by configuration) as verified, under the same rules', () => {
    const g = gate({ requireVerifiedApprovals: true, approvers: ['bob', 'rita'] });
    expect(approve(g, 'bob', { via: { channel: 'slack', issuer: 'T0TEAM', subject: 'U0BOB' } })).toBeNull();
    expect(approve(g, 'rita', { via: { channel: 'slack', issuer: 'T0TEAM', subject: 'U0RITA' } })).toMatch(
      /may not approve its own remediation/,
    );
    expect(approve(g, 'carol', { via: { channel: 'slack', issuer: 'T0TEAM', subject: 'U0CAROL' } })).toMatch(
      /carol is not an approver/,
    );
  });

  it.each(['Rita', 'RITA', ' rita ', 'ｒｉｔａ', 'ＲＩＴＡ'])('the reporter "rita" cannot self-approve as %j', (by) => {
    expect(approve(gate(), by)).toMatch(/may not approve its own remediation/);
  });

  it('another person may approve; self-approval is allowed when the policy says so', () => {
    expect(approve(gate(), 'bob')).toBeNull();
    expect(approve(gate({ allowSelfApproval: true }), 'RITA')).toBeNull();
  });

  it('the approver list compares case-insensitively after NFKC and trimming', () => {
    const g = gate({ approvers: ['Alice', ' bob '] });
    expect(approve(g, 'alice')).toBeNull();
    expect(approve(g, 'ＢＯＢ')).toBeNull();
    expect(approve(g, 'mallory')).toMatch(/mallory is not an approver/);
  });

  it('an approver list that normalises to nothing fails closed instead of letting anyone approve', () => {
    expect(approve(gate({ approvers: ['\u3000'] }), 'bob')).toMatch(/not an approver/);
  });

  it('a decision bound to the request the person read is refused once that request was replaced', () => {
    expect(approve(gate(), 'bob', { requestedAt: '2026-11-25T00:00:00.000Z' })).toBeNull();
    expect(approve(gate(), 'bob', { requestedAt: '2026-11-24T23:59:00.000Z' })).toBe(
      'step "enable-fallback" was replaced by a new request (asked at 2026-11-25T00:00:00.000Z, not 2026-11-24T23:59:00.000Z as on your page) — nothing was decided: read the new request before deciding',
    );
    const superseded: ApprovalGateState = {
      ...gate(),
      approvals: [
        { ...request(), outcome: 'superseded' },
        { ...request(), stepId: 'enable-fallback-r2' },
      ],
    };
    expect(approve(superseded, 'bob')).toBe(
      'step "enable-fallback" was replaced before this decision arrived (superseded); pending now: enable-fallback-r2 — nothing was decided: read the new request before deciding',
    );
  });

  it('N of M counts distinct people: "Bob" after "bob" is the same approver', () => {
    const g = gate({ required: 2 }, [{ by: 'bob', decision: 'approved', at: '2026-11-25T00:01:00.000Z' }]);
    expect(approve(g, 'Bob')).toMatch(/already decided/);
    expect(approve(g, ' BOB')).toMatch(/already decided/);
    expect(approve(g, 'carol')).toBeNull();
  });

  it.each([
    ['a newline', 'bob\n- 12:00 - forged'],
    ['ESC', 'bob\u001b[2J'],
    ['BEL', 'bob\u0007'],
    ['65 characters', 'b'.repeat(65)],
    ['an empty name', '   '],
    ['a number from an old client', 42],
    ['nothing at all', undefined],
  ])('a name with %s from an older client is refused with a message, never thrown', (_what, by) => {
    let problem: string | null = null;
    expect(() => (problem = approve(gate(), by))).not.toThrow();
    expect(problem).toMatch(/^malformed approved signal: by: /);
  });

  it('an oversized or multi-line comment is refused too', () => {
    expect(approve(gate(), 'bob', { comment: 'x'.repeat(2_001) })).toMatch(/comment: at most 2000/);
    expect(approve(gate(), 'bob', { comment: 'ok\n## Root cause: aliens' })).toMatch(/comment: one line/);
  });

  it.each([
    ['a zero-width joiner', 'rita\u200d', /invisible characters \(found U\+200D\)/],
    ['a right-to-left override', '\u202eatir', /invisible characters \(found U\+202E\)/],
    ['a Cyrillic а', 'rit\u0430', /mixes Latin and Cyrillic/],
  ])('the reporter "rita" cannot self-approve with %s in the name: refused as malformed', (_what, by, why) => {
    expect(approve(gate(), by)).toMatch(why);
  });

  it.each(['rıta', 'rɩta', 'ritɑ', 'rita\u3000', 'ｒıｔａ'])(
    'a name rendering like the reporter "rita" is the reporter: %j',
    (by) => {
      expect(approve(gate(), by)).toMatch(/may not approve its own remediation \(policy: no self-approval\)/);
    },
  );

  it("a signed-in account whose name differs from a listed approver's only by a dotless ı is not that approver", () => {
    const g = gate({ approvers: ['erin'], requireVerifiedApprovals: true }, [], 'alice');
    const console = { channel: 'console' as const, issuer: 'https://idp.example', subject: 'u-evil' };
    expect(approve(g, 'erın', { via: console })).toBe(
      'erın is not an approver: the name only looks like erin (allowed: erin)',
    );
    expect(approve(g, 'ERIN', { via: console })).toBeNull();
    expect(approverProblem(ApprovalPolicySchema.parse({ approvers: ['bob'] }), 'b0b')).toMatch(/only looks like bob/);
  });

  it('N of M counts people as they render: a look-alike of an earlier approver is that approver', () => {
    const g = gate({ required: 2 }, [{ by: 'bob', decision: 'approved', at: '2026-11-25T00:01:00.000Z' }]);
    expect(approve(g, 'b0b')).toBe('b0b looks like bob, who already decided step "enable-fallback"');
    expect(approve(g, 'bоb')).toMatch(/mixes Latin and Cyrillic/);
  });
});

describe('approval policy: counting and timeouts', () => {
  const approved = (by: string) => ({ by, decision: 'approved' as const, at: '2026-11-25T00:01:00.000Z' });

  it('N of M: pending until the Nth distinct approval, approved at it; one rejection decides at once', () => {
    expect(tally(request([approved('bob')], 2), 'approved')).toEqual({ outcome: 'pending', approvals: 1 });
    expect(tally(request([approved('bob'), approved('carol')], 2), 'approved')).toEqual({
      outcome: 'approved',
      approvals: 2,
    });
    expect(
      tally(
        request([approved('bob'), { by: 'carol', decision: 'rejected', at: '2026-11-25T00:02:00.000Z' }], 2),
        'rejected',
      ),
    ).toEqual({ outcome: 'rejected', approvals: 1 });
  });

  it.each([
    ['escalate', false, 'escalate'],
    ['reject', false, 'reject'],
    ['auto-approve', false, 'auto-approve'],
    ['escalate', true, 'escalate'],
    ['reject', true, 'reject'],
    ['auto-approve', true, 'escalate'],
  ] as const)('onTimeout %s (neverAutoApprove %s) times out as %s', (onTimeout, neverAutoApprove, expected) => {
    expect(timeoutOutcome({ onTimeout }, { neverAutoApprove })).toBe(expected);
  });

  it('who may hand over a secret reference: anyone without a list, only named approvers (any case) with one', () => {
    expect(approverProblem(ApprovalPolicySchema.parse({}), 'mallory')).toBeNull();
    const policy = ApprovalPolicySchema.parse({ approvers: ['Alice', 'bob'] });
    expect(approverProblem(policy, 'ALICE')).toBeNull();
    expect(approverProblem(policy, 'mallory')).toBe('mallory is not an approver (allowed: Alice, bob)');
  });
});
