import { z } from 'zod';

export const SeveritySchema = z.enum(['P1', 'P2', 'P3', 'P4']);
export type Severity = z.infer<typeof SeveritySchema>;

/**
 * Where a secret lives. Only the reference travels through workflow history; activities resolve
 * the value at the point of use and never return it.
 */
export const SecretRefSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('env'), name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name') }),
  z.object({ kind: z.literal('file'), path: z.string().min(1) }),
  z.object({
    kind: z.literal('k8s'),
    namespace: z.string().min(1).optional(),
    name: z.string().min(1),
    key: z.string().min(1),
  }),
]);
export type SecretRef = z.infer<typeof SecretRefSchema>;

export function describeSecretRef(ref: SecretRef): string {
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
  const [kind, ...rest] = text.split(':');
  const body = rest.join(':');
  if (kind === 'env') return SecretRefSchema.parse({ kind, name: body });
  if (kind === 'file') return SecretRefSchema.parse({ kind, path: body });
  if (kind === 'k8s') {
    const [path, key] = body.split('#');
    const parts = (path ?? '').split('/');
    const name = parts.pop();
    return SecretRefSchema.parse({ kind, namespace: parts[0], name, key });
  }
  throw new Error(
    `not a secret reference: expected env:NAME, file:/path or k8s:[namespace/]name#key (a reference, never the value)`,
  );
}
