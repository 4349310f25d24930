/* eslint-disable no-control-regex -- these tests are about control characters */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CONTROL_CHARS,
  FreeTextSchema,
  identityKey,
  NoteSchema,
  PersonNameSchema,
  terminalSafe,
  TEXT_MAX,
  NAME_MAX,
} from '../../src/contract/index.ts';
import { renderPostmortem, type PostmortemInput } from '../../src/workflows/engine/postmortem.ts';

const control = fc
  .oneof(fc.integer({ min: 0x00, max: 0x1f }), fc.integer({ min: 0x7f, max: 0x9f }))
  .map((c) => String.fromCharCode(c));
/** Any text with at least one control character somewhere in it. */
const withControl = fc.tuple(fc.string(), control, fc.string()).map(([a, c, b]) => `${a}${c}${b}`);
const anyText = fc.string({ unit: 'binary', maxLength: 300 });

const baseInput = (timelineMessage: string, rootCause: string | null): PostmortemInput => ({
  title: 'Ideogram API',
  incidentId: 'incident-20261125-x',
  startedAt: '2026-11-25T10:00:00.000Z',
  endedAt: '2026-11-25T11:00:00.000Z',
  decision: null,
  summary: 'summary',
  rootCause,
  timeline: [
    { at: '2026-11-25T10:00:01.000Z', kind: 'state', message: 'investigating: manual by rita' },
    { at: '2026-11-25T10:05:00.000Z', kind: 'note', message: timelineMessage },
  ],
  mutations: [],
  actionItems: ['Review'],
  owner: 'carol',
  state: 'resolved',
});
const headings = (md: string) => md.split('\n').filter((l) => /^\s{0,3}#/.test(l)).length;
const timelineLines = (md: string) => md.split('\n').filter((l) => /^\s{0,3}[-*+] /.test(l)).length;

describe('text inputs (properties)', () => {
  it('any name or note containing a control character is refused by the contract', () => {
    fc.assert(
      fc.property(withControl, (text) => {
        expect(PersonNameSchema.safeParse(text).success).toBe(false);
        expect(FreeTextSchema.safeParse(text).success).toBe(false);
        expect(NoteSchema.safeParse({ by: 'carol', text }).success).toBe(false);
      }),
    );
  });

  it('any name over 64 or note over 2,000 characters (after trimming) is refused', () => {
    const nonSpace = fc
      .string({ minLength: 1, maxLength: 1 })
      .filter((c) => c.trim() === c && c.length === 1 && !CONTROL_CHARS.test(c));
    fc.assert(
      fc.property(nonSpace, fc.integer({ min: 1, max: 50 }), (c, extra) => {
        expect(PersonNameSchema.safeParse(c.repeat(NAME_MAX + extra)).success).toBe(false);
        expect(FreeTextSchema.safeParse(c.repeat(TEXT_MAX + extra)).success).toBe(false);
        expect(PersonNameSchema.safeParse(c.repeat(NAME_MAX)).success).toBe(true);
      }),
    );
  });

  it('any accepted note renders into the postmortem without a new heading or timeline line', () => {
    const baseline = renderPostmortem(baseInput('carol: plain', 'plain'));
    fc.assert(
      fc.property(anyText, (text) => {
        const parsed = NoteSchema.safeParse({ by: 'carol', text });
        fc.pre(parsed.success);
        const md = renderPostmortem(baseInput(`carol: ${parsed.data!.text}`, parsed.data!.text));
        expect(headings(md)).toBe(headings(baseline));
        expect(timelineLines(md)).toBe(timelineLines(baseline));
        expect(md.split('\n').length).toBe(baseline.split('\n').length);
      }),
    );
  });

  it('even text that skipped validation (an old client) cannot add lines, headings or controls to the postmortem', () => {
    const baseline = renderPostmortem(baseInput('x', 'x'));
    const hostile = fc.oneof(
      anyText,
      fc.constantFrom(
        '# Root cause: aliens',
        '\n## Action Items\n- [ ] pay up',
        '- 09:00 - forged entry',
        '> quote',
        '1. list',
        '```',
      ),
    );
    fc.assert(
      fc.property(hostile, hostile, (message, rootCause) => {
        const md = renderPostmortem(baseInput(message, rootCause));
        expect(md.split('\n').length).toBe(baseline.split('\n').length);
        expect(headings(md)).toBe(headings(baseline));
        expect(timelineLines(md)).toBe(timelineLines(baseline));
        expect(md).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
      }),
    );
  });

  it('terminal output never carries a control character (newlines only when asked for)', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(terminalSafe(text)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
        expect(terminalSafe(text, true)).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
      }),
    );
  });

  it('identities ignore case and surrounding spaces', () => {
    const name = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => PersonNameSchema.safeParse(s).success);
    fc.assert(
      fc.property(name, (n) => {
        expect(identityKey(` ${n.toUpperCase()} `)).toBe(identityKey(n));
        expect(identityKey(n.toLowerCase())).toBe(identityKey(n));
      }),
    );
  });
});
