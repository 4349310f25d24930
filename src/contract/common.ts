import { z } from 'zod';
import { identityProblem } from './identity.ts';
import { lazySchema } from './lazy-schema.ts';

export const SeveritySchema = lazySchema(() => z.enum(['P1', 'P2', 'P3', 'P4']));
export type Severity = z.infer<typeof SeveritySchema>;

/** A longer reference is a mistake or an attack, never a place: it would fill timelines and approval steps. */
export const SECRET_REF_MAX = 512;
const refPart = (what: string) =>
  z.string().min(1).max(SECRET_REF_MAX, `${what} of at most ${SECRET_REF_MAX} characters`);

/**
 * Where a secret lives. Only the reference travels through workflow history; activities resolve
 * the value at the point of use and never return it.
 */
export const SecretRefSchema = lazySchema(() =>
  z
    .discriminatedUnion('kind', [
      z.object({
        kind: z.literal('env'),
        name: refPart('a variable name').regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'),
      }),
      z.object({ kind: z.literal('file'), path: refPart('a path') }),
      z.object({
        kind: z.literal('k8s'),
        namespace: refPart('a namespace').optional(),
        name: refPart('a name'),
        key: refPart('a key'),
      }),
    ])
    .refine(
      (ref) => describeSecretRef(ref).length <= SECRET_REF_MAX,
      `a secret reference of at most ${SECRET_REF_MAX} characters`,
    ),
);
export type SecretRef = z.infer<typeof SecretRefSchema>;

/** SecretRef's shape, written out: the schema's own length check describes a reference too. */
type SecretRefShape =
  | { kind: 'env'; name: string }
  | { kind: 'file'; path: string }
  | { kind: 'k8s'; namespace?: string; name: string; key: string };

export function describeSecretRef(ref: SecretRefShape): string {
  switch (ref.kind) {
    case 'env':
      return `env:${ref.name}`;
    case 'file':
      return `file:${ref.path}`;
    case 'k8s':
      return `k8s:${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}#${ref.key}`;
  }
}

/** Parses `env:NAME`, `file:/path`, `k8s:[ns/]name#key` — the form people type on the CLI. */
export function parseSecretRef(text: string): SecretRef {
  if (text.length > SECRET_REF_MAX)
    throw new Error(`a secret reference of at most ${SECRET_REF_MAX} characters (this one has ${text.length})`);
  const [kind, ...rest] = text.split(':');
  const body = rest.join(':');
  if (kind === 'env') return SecretRefSchema.parse({ kind, name: body });
  if (kind === 'file') {
    // Relative to what? Patterns in allowedSecretRefs are absolute, and so is every place a key lives.
    if (!body.startsWith('/')) throw new Error('a file reference with an absolute path: file:/path');
    return SecretRefSchema.parse({ kind, path: body });
  }
  if (kind === 'k8s') {
    const [path, key] = body.split('#');
    const parts = (path ?? '').split('/');
    // One namespace at most: "a/b/c" must not quietly become a/c.
    if (parts.length > 2) throw new Error('a Kubernetes reference k8s:[namespace/]name#key (one "/" at most)');
    const name = parts.pop();
    return SecretRefSchema.parse({ kind, namespace: parts[0], name, key });
  }
  throw new Error(
    `not a secret reference: expected env:NAME, file:/path or k8s:[namespace/]name#key (a reference, never the value)`,
  );
}

// ── Text that people type: names, notes, URLs ─────────────────────────────────────────────────
// These travel through workflow history and end up in terminals, Slack and Markdown, so they are
// checked once here, for every client (CLI today, a web console later).

/** C0 and C1 controls, DEL included: ESC and BEL reach terminals, newlines forge lines. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARS_GLOBAL = /[\u0000-\u001f\u007f-\u009f]/g;
export const NAME_MAX = 64;
export const TEXT_MAX = 2_000;

// Control and invisible characters are refused before trimming: a tab or a zero-width joiner must
// not vanish into an accepted value that shows as someone else's name.
export const PersonNameSchema = lazySchema(() =>
  z
    .string()
    .refine((s) => !CONTROL_CHARS.test(s), 'a name on one line, without control characters')
    .superRefine((s, ctx) => {
      const problem = identityProblem(s);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .trim()
    .min(1, 'who is acting: --by NAME')
    .max(NAME_MAX, `a name of at most ${NAME_MAX} characters`),
);

/** Notes, comments, reasons, root cause, symptom. */
export const FreeTextSchema = lazySchema(() =>
  z
    .string()
    .refine((s) => !CONTROL_CHARS.test(s), 'one line of text, without control characters (newline, ESC, BEL, ...)')
    .trim()
    .max(TEXT_MAX, `at most ${TEXT_MAX} characters`),
);

export const IncidentIdSchema = lazySchema(() =>
  z
    .string()
    .max(120, 'an incident id of at most 120 characters')
    .regex(
      /^[A-Za-z0-9._-]+$/,
      'an incident id like incident-20261125-outage (letters, digits, dot, dash, underscore)',
    ),
);

export const StepIdSchema = lazySchema(() =>
  z
    .string()
    .max(64, 'a step id of at most 64 characters')
    .regex(/^[a-z0-9-]+$/, 'a step id like enable-fallback'),
);

/** Only http(s): an ftp:// or file:// "service" would make every probe a false incident. */
export const HttpUrlSchema = lazySchema(() => z.url({ protocol: /^https?$/, message: 'an http:// or https:// URL' }));

/** Text for a terminal: controls (ESC, BEL, CR, ...) become spaces; newlines survive only if asked for. */
export function terminalSafe(text: string, keepNewlines = false): string {
  return keepNewlines
    ? text
        .split('\n')
        .map((line) => line.replace(CONTROL_CHARS_GLOBAL, ' '))
        .join('\n')
    : text.replace(CONTROL_CHARS_GLOBAL, ' ');
}

/**
 * Text inlined into one Markdown line: newlines collapse and a leading block marker (#, >, -, +, *,
 * 1., |, =, ```) is escaped, so a note can neither start a heading nor forge a timeline line.
 */
export function markdownInline(text: string): string {
  const flat = text.replace(CONTROL_CHARS_GLOBAL, ' ').replace(/\s+/g, ' ').trim();
  return flat.replace(/^(\d+)([.)])/, '$1\\$2').replace(/^([#>\-+*|=]|```|~~~)/, '\\$1');
}

/** How an approver's name reached the engine (see ApprovalViaSchema). Adding a value keeps stored histories valid. */
export const ApprovalChannelSchema = lazySchema(() => z.enum(['console', 'cli', 'slack']));
export type ApprovalChannel = z.infer<typeof ApprovalChannelSchema>;
/** Channels whose identity something other than the approver vouched for: a sign-in (console), Slack's request signing (slack). */
export const VERIFIED_APPROVAL_CHANNELS: readonly ApprovalChannel[] = ['console', 'slack'];

/**
 * How the approver's name was obtained: `console` carries the identity provider that vouched for
 * it (issuer + subject); `slack` a Slack click whose request Slack signed (issuer: the team id,
 * subject: the Slack user id, mapped to `by` by configuration); `cli` is self-declared (`--by`).
 * Optional: older senders and stored histories have none, and count as self-declared.
 */
export const ApprovalViaSchema = lazySchema(() =>
  z.object({
    channel: ApprovalChannelSchema,
    issuer: z.string().max(300).optional(),
    subject: z.string().max(300).optional(),
  }),
);
export type ApprovalVia = z.infer<typeof ApprovalViaSchema>;

const CHANNEL_WORDS: Record<ApprovalVia['channel'], string> = {
  console: 'the console',
  cli: 'the CLI',
  slack: 'Slack',
};
/** Where a human's action came from, for timeline text: " via Slack"; empty when unknown. */
export function viaText(via: ApprovalVia | undefined): string {
  return via ? ` via ${CHANNEL_WORDS[via.channel]}` : '';
}
