import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { identityKey, identityProblem, looksAlike, PersonNameSchema } from '../../src/contract/index.ts';

/** Code points that draw nothing: zero-width joiner/non-joiner/space, word joiner, BOM, soft hyphen, bidi overrides, variation selector, tag, Hangul filler. */
const INVISIBLES = [
  '\u200d',
  '\u200c',
  '\u200b',
  '\u2060',
  '\ufeff',
  '\u00ad',
  '\u202e',
  '\u2066',
  '\ufe0f',
  '\u{e0041}',
  '\u3164',
  '\u180e',
  '\u2800',
];
/** Latin letters and the Cyrillic, Greek and Latin forms drawn like them. */
const LOOKALIKES: Record<string, string[]> = {
  a: ['а', 'ɑ', 'α'],
  e: ['е'],
  o: ['о', 'ο', 'օ'],
  p: ['р', 'ρ'],
  c: ['с', 'ϲ'],
  x: ['х', 'χ'],
  i: ['ı', 'і', 'ι'],
  y: ['у'],
  s: ['ѕ'],
  j: ['ј'],
};

const asciiName = fc.stringMatching(/^[a-z][a-z0-9._-]{0,19}$/);
const invisible = fc.constantFrom(...INVISIBLES);
const accepted = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 20 })
  .filter((s) => PersonNameSchema.safeParse(s).success);

describe('identities: one canonical form (properties)', () => {
  it("a name with an invisible code point anywhere is refused, naming the code point; its key is the visible name's", () => {
    fc.assert(
      fc.property(asciiName, invisible, fc.nat(), (name, zw, at) => {
        const i = at % (name.length + 1);
        const forged = `${name.slice(0, i)}${zw}${name.slice(i)}`;
        const parsed = PersonNameSchema.safeParse(forged);
        expect(parsed.success).toBe(false);
        expect(parsed.error!.issues.map((x) => x.message).join()).toMatch(
          /invisible characters \(found U\+[0-9A-F]{4,5}\)/,
        );
        expect(identityKey(forged)).toBe(identityKey(name));
        expect(looksAlike(forged, name)).toBe(true);
      }),
    );
  });

  it('a Latin name with a Cyrillic or Greek look-alike letter is refused as mixed scripts, and compares equal to the Latin name', () => {
    const withLookalike = asciiName
      .filter((n) => [...n].some((c) => c in LOOKALIKES && c !== 'i'))
      .chain((n) => fc.tuple(fc.constant(n), fc.nat(), fc.nat()));
    fc.assert(
      fc.property(withLookalike, ([name, pick, variant]) => {
        const spots = [...name].flatMap((c, i) => (c in LOOKALIKES && c !== 'i' ? [i] : []));
        const at = spots[pick % spots.length]!;
        const foreign = LOOKALIKES[name[at]!]!.filter((l) => /[\u0370-\u04ff]/.test(l));
        const forged = `${name.slice(0, at)}${foreign[variant % foreign.length]}${name.slice(at + 1)}`;
        expect(looksAlike(forged, name)).toBe(true);
        expect(looksAlike(name, forged)).toBe(true);
        // A one-letter name in another script is a name in that script, not a mix.
        if (/[a-z]/.test(forged))
          expect(identityProblem(forged)).toMatch(
            /mixes (Latin and (Cyrillic|Greek)|(Cyrillic|Greek) and Latin), whose letters look alike/,
          );
      }),
    );
  });

  it('dotless ı is not i in the canonical form (no locale folds it) but renders alike, and so compares alike', () => {
    fc.assert(
      fc.property(
        asciiName.filter((n) => n.includes('i')),
        (name) => {
          const forged = name.replace('i', 'ı');
          expect(PersonNameSchema.safeParse(forged).success).toBe(true);
          expect(identityKey(forged)).not.toBe(identityKey(name));
          expect(looksAlike(forged, name)).toBe(true);
        },
      ),
    );
  });

  it('the canonical form is idempotent and ignores case, width and surrounding spaces', () => {
    fc.assert(
      fc.property(accepted, (n) => {
        expect(identityKey(identityKey(n))).toBe(identityKey(n));
        expect(identityKey(` ${n.toLowerCase()}\u3000`)).toBe(identityKey(n));
        expect(identityKey(n.normalize('NFKD'))).toBe(identityKey(n));
      }),
    );
  });

  it('looking alike is reflexive and symmetric, and distinct plain names do not look alike', () => {
    fc.assert(
      fc.property(accepted, accepted, (a, b) => {
        expect(looksAlike(a, a)).toBe(true);
        expect(looksAlike(a, b)).toBe(looksAlike(b, a));
      }),
    );
    expect(looksAlike('alice', 'bob')).toBe(false);
    expect(looksAlike('rita', 'ria')).toBe(false);
    expect(looksAlike('José', 'Jose')).toBe(false);
  });

  it('names in one script, or Latin with a script unlike it, are accepted', () => {
    for (const name of ['Рита', 'Αλίκη', '山田太郎', 'Tanaka 田中', 'José María', 'Zoë', 'straße', "O'Brien"]) {
      expect(PersonNameSchema.safeParse(name).success, name).toBe(true);
    }
  });
});
