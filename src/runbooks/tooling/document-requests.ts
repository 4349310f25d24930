/** Requests to a simulator profile written as data: each field checked as the provider's API checks it. */
import type { RunbookDocument } from '../documents/schema.ts';

type Endpoint = RunbookDocument['tooling']['simulator']['endpoints'][number];
type Rule = NonNullable<Endpoint['request']>[string];
type Value = string | number | boolean;

export const pathOf = (body: unknown, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>(
      (v, key) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined),
      body,
    );

/** The value as the rule's type reads it (multipart fields arrive as text); undefined when it is not one. */
function read(raw: unknown, type: Rule['type']): Value | undefined {
  if (type === 'string') return typeof raw === 'string' ? raw : undefined;
  if (type === 'boolean')
    return typeof raw === 'boolean' ? raw : raw === 'true' ? true : raw === 'false' ? false : undefined;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
  if (!Number.isFinite(n)) return undefined;
  return type === 'integer' && !Number.isInteger(n) ? undefined : n;
}

function ruleProblem(value: Value, rule: Rule): string | null {
  if (rule.enum && !rule.enum.includes(String(value))) return `expected one of ${rule.enum.join(', ')}`;
  if (typeof value === 'number') {
    if (rule.min !== undefined && value < rule.min) return `must be at least ${rule.min}`;
    if (rule.max !== undefined && value > rule.max) return `must be at most ${rule.max}`;
  }
  if (typeof value === 'string') {
    if (rule.minLength !== undefined && value.length < rule.minLength)
      return `must have at least ${rule.minLength} character${rule.minLength === 1 ? '' : 's'}`;
    if (rule.pattern !== undefined && !new RegExp(`^(?:${rule.pattern})$`).test(value))
      return rule.patternHint ?? `must match ${rule.pattern}`;
  }
  return null;
}

/** The request's fields by path (with defaults), or the 400 message naming every field that breaks its rule. */
export function checkRequest(body: unknown, rules: Record<string, Rule>): Record<string, Value> | string {
  const problems: string[] = [];
  const fields: Record<string, Value> = {};
  for (const [path, rule] of Object.entries(rules)) {
    const raw = pathOf(body, path);
    if (raw === undefined) {
      if (rule.default !== undefined) fields[path] = rule.default;
      else if (rule.required) problems.push(`${path}: Field required`);
      continue;
    }
    const value = read(raw, rule.type);
    const problem =
      value === undefined
        ? `expected ${rule.type === 'integer' ? 'an integer' : `a ${rule.type}`}`
        : ruleProblem(value, rule);
    if (problem !== null) problems.push(`${path}: ${problem}`);
    else fields[path] = value!;
  }
  return problems.length > 0 ? `Invalid request: ${problems.join('; ')}` : fields;
}

/** The latency the provider documents for this request: by a field's value when the endpoint says so. */
export function latencyOf(e: Endpoint, fields: Record<string, Value>, body: unknown): [number, number] {
  const by = e.latencyBy;
  const byValue = by ? (by.values[String(fields[by.field] ?? pathOf(body, by.field))] ?? by.otherwise) : undefined;
  return byValue ?? e.latencyMs ?? [100, 500];
}

/** What each per-unit element of a success body takes for this request (`perUnitWhen`). */
export function perUnitOverrides(e: Endpoint | undefined, fields: Record<string, unknown>): Record<string, unknown> {
  return Object.assign(
    {},
    ...(e?.perUnitWhen ?? [])
      .filter((w) => new RegExp(w.matches, 'i').test(String(fields[w.field] ?? '')))
      .map((w) => w.set),
  ) as Record<string, unknown>;
}
