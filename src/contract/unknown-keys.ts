import type { z } from 'zod';

/**
 * Keys a configuration file has that its schema does not. Zod's own object parsing drops them
 * silently (or, strict, names them without saying what was meant), and a dropped `aprovers` means
 * "anyone may approve": configuration is checked with this before it is parsed. Pure code with no
 * schema of its own, so the contract schemas that workflow histories parse stay exactly as they are.
 */
export interface UnknownKey {
  /** Where the key is, ending with the key itself. */
  path: (string | number)[];
  /** The known key it most likely stands for, when one is close. */
  suggestion?: string;
  /** Every key that is valid there. */
  known: string[];
}

type Def = { type: string; [k: string]: unknown };
const defOf = (schema: unknown): Def => (schema as { _zod: { def: Def } })._zod.def;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function unknownKeys(schema: z.ZodType, value: unknown, path: (string | number)[] = []): UnknownKey[] {
  const def = defOf(schema);
  switch (def.type) {
    case 'object':
      return unknownObjectKeys(def, value, path);
    case 'array':
      return Array.isArray(value)
        ? value.flatMap((item, i) => unknownKeys(def.element as z.ZodType, item, [...path, i]))
        : [];
    case 'record':
      return isRecord(value)
        ? Object.entries(value).flatMap(([k, v]) => unknownKeys(def.valueType as z.ZodType, v, [...path, k]))
        : [];
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return unknownKeys(def.innerType as z.ZodType, value, path);
    case 'pipe':
      return unknownKeys(def.in as z.ZodType, value, path);
    case 'lazy':
      return unknownKeys((def.getter as () => z.ZodType)(), value, path);
    case 'union': {
      // The option the value fits best: none unknown means it fits one of them.
      const found = (def.options as z.ZodType[]).map((option) => unknownKeys(option, value, path));
      return found.reduce((best, keys) => (keys.length < best.length ? keys : best), found[0] ?? []);
    }
    default:
      return [];
  }
}

function unknownObjectKeys(def: Def, value: unknown, path: (string | number)[]): UnknownKey[] {
  if (!isRecord(value)) return [];
  const shape = def.shape as Record<string, z.ZodType>;
  const known = Object.keys(shape);
  // An object that takes any further key (a catchall other than "never") has none unknown.
  const catchall = def.catchall === undefined ? undefined : defOf(def.catchall).type;
  const open = catchall !== undefined && catchall !== 'never';
  return Object.entries(value).flatMap(([key, v]): UnknownKey[] => {
    if (Object.hasOwn(shape, key)) return unknownKeys(shape[key]!, v, [...path, key]);
    return open ? [] : [{ path: [...path, key], suggestion: closest(key, known), known }];
  });
}

/** `$[0].policy.aprovers`: the JSON path people see in errors about a file. */
export function jsonPath(path: readonly PropertyKey[]): string {
  return `$${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`;
}

/** `unknown key — did you mean approvers?` (or the keys valid there, when none is close). */
export function unknownKeyProblem(key: UnknownKey): string {
  return `unknown key — ${key.suggestion ? `did you mean ${key.suggestion}?` : `valid keys here: ${key.known.join(', ')}`}`;
}

/** `$[0].policy.aprovers: unknown key — did you mean approvers?` */
export function describeUnknownKey(key: UnknownKey): string {
  return `${jsonPath(key.path)}: ${unknownKeyProblem(key)}`;
}

/** The candidate a typo most likely stands for: close by edit distance (a swap counts once), else none. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  if (!best) return undefined;
  return best.distance <= Math.max(2, Math.floor(Math.max(word.length, best.candidate.length) / 4))
    ? best.candidate
    : undefined;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
