import { z } from 'zod';
import {
  describeSecretRef,
  FreeTextSchema,
  SECRET_REF_MAX,
  IncidentIdSchema,
  PersonNameSchema,
  type SecretRef,
} from './common.ts';
import {
  ApprovalPolicySchema,
  IncidentTimingsSchema,
  ServiceTargetSchema,
  type ApprovalPolicy,
  type RunbookDocumentPin,
  type ServiceTarget,
} from './incident.ts';
import { lazySchema } from './lazy-schema.ts';

export const ServiceNameSchema = lazySchema(() =>
  z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'a service name like image-service (lowercase letters, digits, . _ -)'),
);

/**
 * One service the worker takes care of. Only the worker's own configuration says where a
 * service's probes go, which credentials they carry, what may change in the cluster and who may
 * approve it: an incident names the service, nothing more.
 */
export const CatalogEntrySchema = lazySchema(() =>
  z
    .object({
      name: ServiceNameSchema,
      /** Optional in the file when the worker has one runbook (the default runbook is taken). */
      runbook: z.string().min(1).optional(),
      target: ServiceTargetSchema.omit({ name: true }),
      policy: ApprovalPolicySchema.prefault({}),
      billedProbeBudget: z.number().int().min(0).optional(),
      billedProbesPerHour: z.number().int().min(1).optional(),
      /**
       * Secret references a human may hand over during an incident (a rotated key, probe
       * credentials), as patterns: `env:API_KEY_*`, `k8s:payments/api-secrets-next#*`.
       * Anything else is refused, so an approver cannot point the worker at, say, its own token.
       */
      allowedSecretRefs: z.array(z.string().min(1)).default([]),
    })
    .strict(),
);
export type CatalogEntryInput = z.input<typeof CatalogEntrySchema>;
export type CatalogEntry = z.infer<typeof CatalogEntrySchema>;

export const ServiceCatalogSchema = lazySchema(() =>
  z
    .array(CatalogEntrySchema)
    .min(1, 'at least one service')
    .superRefine((entries, ctx) => {
      const seen = new Set<string>();
      entries.forEach((e, i) => {
        if (seen.has(e.name))
          ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `service "${e.name}" is listed twice` });
        seen.add(e.name);
      });
    }),
);

/** What the workflow learns about its service from the worker (an activity result). */
export interface ResolvedService {
  name: string;
  runbook: string;
  target: ServiceTarget;
  policy: ApprovalPolicy;
  billedProbeBudget?: number;
  billedProbesPerHour?: number;
  /** The runbook's document, when it is one: pinned into the incident's input. */
  runbookDocument?: RunbookDocumentPin;
}

/**
 * What whoever opens an incident may say: which service, what they see, who they are. No URL,
 * secret reference, Kubernetes object or approval policy: those come from the worker's catalog.
 */
export const IncidentStartSchema = lazySchema(() =>
  z
    .object({
      runbook: z.string().min(1).optional(),
      service: ServiceNameSchema,
      trigger: z.enum(['manual', 'alert', 'drill', 'synthetic']),
      reporter: PersonNameSchema,
      symptom: FreeTextSchema.default(''),
      suspectedCause: z.string().max(64).optional(),
      timings: IncidentTimingsSchema.prefault({}),
      decisionThresholds: z.record(z.string(), z.number()).optional(),
      incidentId: IncidentIdSchema.optional(),
      drill: z.boolean().default(false),
    })
    .strict(),
);
export type IncidentStart = z.input<typeof IncidentStartSchema>;

/**
 * A file reference's path as the file system resolves it without symlinks: `.`, `..` and repeated
 * slashes resolved. Null for a relative path: there is no telling where it points.
 */
export function normalisedSecretPath(path: string): string | null {
  if (!path.startsWith('/')) return null;
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '..') parts.pop();
    else if (part !== '' && part !== '.') parts.push(part);
  }
  return `/${parts.join('/')}`;
}

/**
 * `env:API_KEY_*` style patterns against a reference's canonical form. A file reference is matched
 * by its normalised path, so `file:/allowed/dir/../elsewhere` is /allowed/elsewhere and does not
 * match `file:/allowed/dir/*`; symlinks are resolved by the activity that checks (realpath).
 */
export function secretRefAllowed(ref: SecretRef, patterns: readonly string[]): boolean {
  let text = describeSecretRef(ref);
  if (text.length > SECRET_REF_MAX) return false;
  if (ref.kind === 'file') {
    const path = normalisedSecretPath(ref.path);
    if (path === null) return false;
    text = `file:${path}`;
  }
  return patterns.some((p) =>
    new RegExp(
      `^${p
        .split('*')
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    ).test(text),
  );
}
