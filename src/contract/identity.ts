// How people are told apart: one canonical form for reporters, approvers, Slack and OIDC names.
// Pure and deterministic: the workflow compares identities with these functions on every replay.

/**
 * Code points that draw nothing: default-ignorables (ZWJ, ZWSP, soft hyphen, variation selectors,
 * tags, Hangul fillers), format controls (bidi overrides), line/paragraph separators, and the
 * braille blank. A name carrying one renders as another name.
 */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Zl}\p{Zp}\u2800]/u;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** The first invisible code point of `name`, as U+XXXX, or null. */
export function invisibleCodePoint(name: string): string | null {
  const match = INVISIBLE.exec(name);
  return match ? `U+${match[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}` : null;
}

/**
 * Case folding without a locale: upper then lower per code point (ß ≡ SS, ς ≡ Σ), except that the
 * dotless ı stays itself, as in Unicode's CaseFolding.txt: only a Turkish locale folds it to i.
 */
function caseFold(text: string): string {
  let out = '';
  for (const ch of text) out += ch === 'ı' ? ch : ch.toUpperCase().toLowerCase();
  return out.replaceAll('ß', 'ss');
}

/** What a reader sees: invisible code points dropped (a name that skipped validation still compares fail-closed), NFKC, spaces collapsed. */
function visibleForm(name: string, nfkc = true): string {
  // No global regex: replace() would write the lastIndex of a shared pattern.
  const visible = [...name].filter((ch) => !INVISIBLE.test(ch)).join('');
  return (nfkc ? visible.normalize('NFKC') : visible).trim().split(/\s+/u).join(' ');
}

/** The canonical form: invisible code points removed, NFKC, case-folded, spaces trimmed and collapsed. */
export function identityKey(name: string): string {
  return caseFold(visibleForm(name)).normalize('NFKC').trim().split(/\s+/u).join(' ');
}

// ── Scripts (Unicode TR39, moderately restrictive) ───────────────────────────────────────────
const SCRIPTS = [
  'Latin',
  'Greek',
  'Cyrillic',
  'Armenian',
  'Cherokee',
  'Coptic',
  'Georgian',
  'Hebrew',
  'Arabic',
  'Syriac',
  'Thaana',
  'Devanagari',
  'Bengali',
  'Gurmukhi',
  'Gujarati',
  'Oriya',
  'Tamil',
  'Telugu',
  'Kannada',
  'Malayalam',
  'Sinhala',
  'Thai',
  'Lao',
  'Tibetan',
  'Myanmar',
  'Khmer',
  'Mongolian',
  'Ethiopic',
  'Hangul',
  'Hiragana',
  'Katakana',
  'Bopomofo',
  'Han',
] as const;
/** Scripts with letters drawn like Latin ones: never mixed with Latin in one name. */
const LATIN_LOOKALIKES = new Set<string>(['Greek', 'Cyrillic', 'Armenian', 'Cherokee', 'Coptic']);
const COMMON_OR_INHERITED = /^[\p{Script=Common}\p{Script=Inherited}]$/u;
let scriptPatterns: Array<[string, RegExp]> | undefined;

/** The scripts a code point is used with (Script_Extensions); null for Common and Inherited, which go with any. */
function scriptsOf(ch: string): string[] | null {
  scriptPatterns ??= SCRIPTS.map((s) => [s, new RegExp(`^\\p{Script_Extensions=${s}}$`, 'u')]);
  const found = scriptPatterns.filter(([, pattern]) => pattern.test(ch)).map(([s]) => s);
  if (found.length > 0) return found;
  return COMMON_OR_INHERITED.test(ch) ? null : ['another script'];
}

/** The combinations one name may use: any single script, Latin with the CJK scripts, Latin with one script unlike it. */
const ALLOWED_COMBINATIONS: string[][] = [
  ...[...SCRIPTS, 'another script'].map((s) => [s]),
  ['Latin', 'Han', 'Hiragana', 'Katakana'],
  ['Latin', 'Han', 'Bopomofo'],
  ['Latin', 'Han', 'Hangul'],
  ...[...SCRIPTS, 'another script'].filter((s) => s !== 'Latin' && !LATIN_LOOKALIKES.has(s)).map((s) => ['Latin', s]),
];

/** The scripts of a name that mixes scripts whose letters look alike (Latin with Cyrillic, ...), or null. */
export function mixedScripts(name: string): string[] | null {
  if (PRINTABLE_ASCII.test(name)) return null;
  const sets = [...name.normalize('NFKC')].map(scriptsOf).filter((s): s is string[] => s !== null);
  if (ALLOWED_COMBINATIONS.some((allowed) => sets.every((set) => set.some((s) => allowed.includes(s))))) return null;
  return [...new Set(sets.map((set) => set[0]!))];
}

/** Why `name` cannot identify a person (an invisible code point, look-alike scripts), or null. */
export function identityProblem(name: string): string | null {
  const invisible = invisibleCodePoint(name);
  if (invisible) return `a name without invisible characters (found ${invisible}): it would show as someone else's`;
  const scripts = mixedScripts(name);
  if (scripts) return `a name in one script: it mixes ${scripts.join(' and ')}, whose letters look alike`;
  return null;
}

// ── Skeletons (Unicode TR39 §4): names that render alike compare equal ──────────────────────
/**
 * The common Latin look-alikes of confusables.txt, each mapped to its prototype: Cyrillic, Greek,
 * Armenian and Cherokee letters, dotless and small-capital Latin forms, digits drawn like letters.
 * No npm library fits: the maintained ones carry a full, unbounded cache or a native binary.
 */
const CONFUSABLE_PAIRS = [
  // Cyrillic
  'аa',
  'вʙ',
  'еe',
  'іi',
  'јj',
  'кĸ',
  'мᴍ',
  'нʜ',
  'оo',
  'рp',
  'сc',
  'тᴛ',
  'уy',
  'хx',
  'ѕs',
  'һh',
  'ԁd',
  'ԛq',
  'ԝw',
  'ӏl',
  'үy',
  'АA',
  'ВB',
  'ЕE',
  'КK',
  'МM',
  'НH',
  'ОO',
  'РP',
  'СC',
  'ТT',
  'УY',
  'ХX',
  'ЅS',
  'Іl',
  'ЈJ',
  'ԚQ',
  'ԜW',
  'Ӏl',
  'ҮY',
  'ԌG',
  // Greek
  'αa',
  'οo',
  'νv',
  'ρp',
  'ιi',
  'κĸ',
  'τᴛ',
  'υu',
  'χx',
  'γy',
  'ϲc',
  'ϳj',
  'ΑA',
  'ΒB',
  'ΕE',
  'ΖZ',
  'ΗH',
  'Ιl',
  'ΚK',
  'ΜM',
  'ΝN',
  'ΟO',
  'ΡP',
  'ΤT',
  'ΥY',
  'ΧX',
  'ϹC',
  'ͿJ',
  // Armenian
  'օo',
  'սu',
  'հh',
  'ոn',
  'ցg',
  'զq',
  'ՕO',
  'ՍU',
  'ԼL',
  // Cherokee
  'ᎪA',
  'ᏴB',
  'ᏟC',
  'ᎠD',
  'ᎬE',
  'ᏀG',
  'ᎻH',
  'Ꭵi',
  'ᎫJ',
  'ᏦK',
  'ᏞL',
  'ᎷM',
  'ᏢP',
  'ᏒR',
  'ᏚS',
  'ᎢT',
  'ᏙV',
  'ᏔW',
  'ᏃZ',
  // Latin forms and digits
  'ıi',
  'ɩi',
  'ɑa',
  'ɡg',
  'ȷj',
  'ǀl',
  'Il',
  '1l',
  '|l',
  '0O',
  'mrn',
];
let confusables: Map<string, string> | undefined;

/** TR39's skeleton: NFD, each code point to its prototype, NFD again; folded, since identities ignore case. */
function skeleton(text: string): string {
  confusables ??= new Map(
    CONFUSABLE_PAIRS.map((pair) => [
      String.fromCodePoint(pair.codePointAt(0)!),
      pair.slice(String.fromCodePoint(pair.codePointAt(0)!).length),
    ]),
  );
  let out = '';
  for (const ch of text.normalize('NFD')) out += confusables.get(ch) ?? ch;
  return caseFold(out.normalize('NFD')).normalize('NFC');
}

/**
 * Skeletons of the name as written (capital I looks like l; NFKC would turn the lunate ϲ into ς),
 * as NFKC leaves it, and of its canonical form (0 looks like o).
 */
function skeletons(name: string): string[] {
  return [skeleton(visibleForm(name, false)), skeleton(visibleForm(name)), skeleton(identityKey(name))];
}

/** The same person (same canonical form), or names that would render alike: fail-closed comparisons use this. */
export function looksAlike(a: string, b: string): boolean {
  if (identityKey(a) === identityKey(b)) return true;
  const theirs = skeletons(b);
  return skeletons(a).some((s) => theirs.includes(s));
}
