// src/config: the environment read once and validated (AppConfig); a bad value is a ConfigError (exit 2).
import { resolve } from 'node:path';
import { z } from 'zod';
import {
  HttpUrlSchema,
  PersonNameSchema,
  TASK_QUEUE,
  closest,
  identityKey,
  parseSecretRef,
  type SecretRef,
} from '../contract/index.ts';
import { PROJECT_ROOT } from '../infra/temporal-binary.ts';

/** Invalid configuration: the message names the variable and what it should look like. Exit code 2. */
export class ConfigError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const port = z.coerce.number().int().min(1).max(65535);
const urlList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean),
  )
  .pipe(z.array(HttpUrlSchema));
/**
 * A deployment name or build id: the server keeps each to (255 - 39) / 2 characters under the production
 * topology's `limit.maxIDLength` of 255, and reserves a leading `__`.
 */
const versionPart = z
  .string()
  .min(1)
  .max(108, 'at most 108 characters')
  .refine((s) => !s.startsWith('__'), "must not start with '__' (reserved by Temporal)");
/** `{"U0123ABCD":"rita"}`: Slack user id → the person (as approver lists and the reporter name them). */
const slackUsers = z.string().transform((s, ctx): Record<string, string> => {
  let value: unknown;
  try {
    value = JSON.parse(s);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'a JSON object of Slack user id → person, e.g. {"U0123ABCD":"rita"}' });
    return z.NEVER;
  }
  const parsed = z.record(z.string(), PersonNameSchema).safeParse(value);
  const badIds = parsed.success ? Object.keys(parsed.data).filter((id) => !/^[UW][A-Z0-9]{2,}$/.test(id)) : [];
  if (!parsed.success || badIds.length > 0) {
    const problems = parsed.success
      ? badIds.map((id) => `${JSON.stringify(id)} is not a Slack user id (U… or W…, e.g. U0123ABCD)`)
      : parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    ctx.addIssue({ code: 'custom', message: `a JSON object of Slack user id → person: ${problems.join('; ')}` });
    return z.NEVER;
  }
  return parsed.data;
});
const secretRef = z.string().transform((s, ctx): SecretRef => {
  try {
    return parseSecretRef(s);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

/** Every environment variable the engine reads (Temporal connection variables go to envconfig). */
export const EnvSchema = z.object({
  RUNBOOK_TASK_QUEUE: z.string().min(1).default(TASK_QUEUE),
  RUNBOOK_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  RUNBOOK_LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  RUNBOOK_DATA_DIR: z.string().min(1).default(resolve(PROJECT_ROOT, '.data')),
  RUNBOOK_DEV_PORT: port.default(7233),
  RUNBOOK_UI_PORT: port.default(8233),
  RUNBOOK_POSTMORTEM_DIR: z.string().min(1).optional(),
  RUNBOOK_REMEDIATION_TARGET: z.enum(['kubernetes', 'record-only']).default('record-only'),
  RUNBOOK_KUBE_CONTEXT: z.string().min(1).optional(),
  RUNBOOK_SLACK_WEBHOOK_URL: urlList.optional(),
  RUNBOOK_WEBHOOK_URL: urlList.optional(),
  RUNBOOK_NOTIFY_FILE: z.string().min(1).optional(),
  RUNBOOK_WORKFLOW_BUNDLE: z.string().min(1).optional(),
  RUNBOOK_SERVICE_BASE_URL: HttpUrlSchema.optional(),
  RUNBOOK_STATUS_PAGE_URL: HttpUrlSchema.optional(),
  RUNBOOK_API_HOST: z.string().min(1).optional(),
  RUNBOOK_API_KEY_REF: secretRef.optional(),
  RUNBOOK_K8S_NAMESPACE: z.string().min(1).optional(),
  RUNBOOK_K8S_DEPLOYMENT: z.string().min(1).optional(),
  RUNBOOK_K8S_CONTAINER: z.string().min(1).optional(),
  RUNBOOK_K8S_SECRET: z.string().min(1).optional(),
  RUNBOOK_K8S_SECRET_KEY: z.string().min(1).optional(),
  RUNBOOK_BATCH_SELECTOR: z.string().min(1).optional(),
  // ",,," must not silently mean "anyone may approve".
  RUNBOOK_APPROVERS: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((a) => a.trim())
        .filter((a) => identityKey(a) !== ''),
    )
    .pipe(
      z.array(PersonNameSchema).min(1, 'a comma-separated list of at least one name (unset it to let anyone approve)'),
    )
    .optional(),
  RUNBOOK_AUTO_APPROVE_P1_FALLBACK: bool.optional(),
  /** Worker sizing: incidents kept in memory, concurrent activities, concurrent workflow tasks. */
  RUNBOOK_WORKER_CACHE: z.coerce.number().int().min(0).optional(),
  RUNBOOK_WORKER_ACTIVITY_SLOTS: z.coerce.number().int().min(1).optional(),
  RUNBOOK_WORKER_WORKFLOW_SLOTS: z.coerce.number().int().min(2).optional(),
  /** Runbook documents (docs/runbooks.md): every *.yaml / *.yml / *.json here is loaded at start; a bad one stops the worker. */
  RUNBOOK_RUNBOOKS_DIR: z.string().min(1).optional(),
  /**
   * Worker Versioning (docs/upgrades.md). The deployment is every worker of one engine; default: the task queue
   * (with '.' and ':', which the server refuses in the name, as '-'). The build id names the workflow code the
   * worker runs; default: the package version and a hash of the workflow bundle.
   */
  RUNBOOK_DEPLOYMENT_NAME: versionPart
    .refine((s) => !/[.:]/.test(s), "no '.' or ':' (the server refuses them in a deployment name)")
    .optional(),
  RUNBOOK_BUILD_ID: versionPart.optional(),
  /** The worker makes its build the deployment's current version when it starts (`runbook dev` always does). */
  RUNBOOK_MAKE_CURRENT: bool.optional(),
  /** The service catalog (YAML or JSON): one entry per service; without it, one service from these variables. */
  RUNBOOK_SERVICES_FILE: z.string().min(1).optional(),
  /** Secret references humans may hand over (patterns, comma-separated) for the service built from these variables. */
  RUNBOOK_ALLOWED_SECRET_REFS: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    )
    .optional(),
  RUNBOOK_DRY_RUN: bool.optional(),
  /** Approvals must come from a signed-in person in the console or a mapped Slack user; `runbook approve --by` is refused. */
  RUNBOOK_REQUIRE_VERIFIED_APPROVALS: bool.optional(),
  /** The incident console (`runbook serve`, also started by `runbook dev`). */
  RUNBOOK_CONSOLE_PORT: port.default(8780),
  RUNBOOK_CONSOLE_HOST: z.string().min(1).default('127.0.0.1'),
  /** Deadline of the console's Temporal calls for pages and live events: past it, a 503 says Temporal is unreachable instead of a hang. */
  RUNBOOK_CONSOLE_TEMPORAL_TIMEOUT_MS: z.coerce.number().int().min(200).max(60_000).default(3_000),
  /** Live-event streams one console session may hold open at once; the next one is answered 429. */
  RUNBOOK_CONSOLE_STREAMS_PER_SESSION: z.coerce.number().int().min(1).max(100).default(5),
  /** Bearer token `GET /metrics` (console and worker) requires; without it only loopback scrapers are answered. */
  RUNBOOK_METRICS_TOKEN: z.string().min(16, 'at least 16 characters, e.g. `openssl rand -hex 32`').optional(),
  /** Incident and approval gauges are read from Temporal at most this often, however often /metrics is scraped. */
  RUNBOOK_METRICS_REFRESH_SECONDS: z.coerce.number().int().min(1).max(3_600).default(30),
  /** The worker's own /metrics listener (billed probe calls, the Temporal SDK's worker metrics). Unset: none. */
  RUNBOOK_WORKER_METRICS_PORT: port.optional(),
  /** Address the worker's /metrics listener binds; anything but loopback needs RUNBOOK_METRICS_TOKEN. */
  RUNBOOK_WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** Where people reach the console, when behind a proxy (OIDC redirect URI, secure cookies on https). */
  RUNBOOK_CONSOLE_URL: HttpUrlSchema.optional(),
  /** Temporal's Web UI, e.g. http://127.0.0.1:8233: the incident page links to its workflow there. Unset: no link. */
  RUNBOOK_TEMPORAL_UI_URL: HttpUrlSchema.optional(),
  /** 32 bytes as 64 hex characters: the key of the session cookie. Sign-ins themselves are recorded in the console's memory (so that sign-out can end them): a restart signs people out. Default: random per start. */
  RUNBOOK_CONSOLE_SESSION_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, '64 hex characters (32 bytes), e.g. `openssl rand -hex 32`')
    .optional(),
  /** Shared secret of `POST /hooks/generic` (HMAC-SHA256 signatures); without it that route refuses every request. */
  RUNBOOK_INTAKE_HMAC_SECRET: z.string().min(16, 'at least 16 characters, e.g. `openssl rand -hex 32`').optional(),
  /** Bearer token Alertmanager sends to `POST /hooks/alertmanager`; without it only loopback senders are accepted. */
  RUNBOOK_INTAKE_ALERTMANAGER_TOKEN: z
    .string()
    .min(16, 'at least 16 characters, e.g. `openssl rand -hex 32`')
    .optional(),
  /** Slack app signing secret: `POST /hooks/slack/interactions` verifies every click with it; without it that route refuses every request. */
  RUNBOOK_SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  /** Slack user id → approver identity (JSON object); clicks from anyone else are refused. */
  RUNBOOK_SLACK_USERS: slackUsers.optional(),
  /** Approval requests to Slack carry Approve / Reject buttons. Default: on when RUNBOOK_SLACK_SIGNING_SECRET is set. */
  RUNBOOK_SLACK_APPROVAL_BUTTONS: bool.optional(),
  /** Alerts waiting for Temporal to record them, at most; beyond it the intake answers 503 with Retry-After. */
  RUNBOOK_INTAKE_QUEUE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /** Tries per alert while its request waits (the first included, backoff 0.5 s doubling to 4 s); then the request is answered 503. */
  RUNBOOK_INTAKE_DELIVERY_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(2),
  /** gRPC deadline of one try, in ms (the client retries an unreachable server within it): bounds how long a sender waits. */
  RUNBOOK_INTAKE_DELIVERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  /** Alert incidents run on the drill's compressed timings: honoured only by `runbook dev` on its own local dev server. */
  RUNBOOK_INTAKE_DRILL_TIMINGS: bool.optional(),
  /** Default daily budget of billed probe calls per synthetic-check schedule (`runbook schedule create --billed-per-day`). */
  RUNBOOK_SYNTHETIC_BILLED_PER_DAY: z.coerce.number().int().min(0).default(48),
  RUNBOOK_OIDC_ISSUER: HttpUrlSchema.optional(),
  RUNBOOK_OIDC_CLIENT_ID: z.string().min(1).optional(),
  RUNBOOK_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  RUNBOOK_OIDC_ROLES_CLAIM: z.string().min(1).default('groups'),
  RUNBOOK_OIDC_VIEWER_GROUP: z.string().min(1).default('runbook-viewers'),
  RUNBOOK_OIDC_RESPONDER_GROUP: z.string().min(1).default('runbook-responders'),
  RUNBOOK_OIDC_APPROVER_GROUP: z.string().min(1).default('runbook-approvers'),
});
export type AppConfig = z.infer<typeof EnvSchema> & {
  /** `RUNBOOK_<RUNBOOK>_API_KEY_REF` by its middle part (the runbook id, upper-cased): a runbook's own service key reference. */
  RUNBOOK_KEY_REFS: Record<string, SecretRef>;
};

/** A runbook's own key reference, e.g. RUNBOOK_<RUNBOOK>_API_KEY_REF: which runbooks exist is checked where services are built. */
export const RUNBOOK_KEY_REF_VARIABLE = /^RUNBOOK_([A-Z0-9_]+)_API_KEY_REF$/;

/**
 * RUNBOOK_* variables read elsewhere, not by the engine: build and setup scripts, test tooling, the
 * native production topology, debugging. Known, so they are not mistaken for typos.
 */
const READ_ELSEWHERE = new Set([
  'RUNBOOK_DEBUG',
  'RUNBOOK_DRILL_NEW_KEY',
  'RUNBOOK_PROD_DATA_DIR',
  'RUNBOOK_PROD_PORT',
  'RUNBOOK_SKIP_APT',
  'RUNBOOK_SKIP_TOOLS',
  'RUNBOOK_SKIP_KUBE_BUILD',
  'RUNBOOK_SKIP_TEMPORAL_BUILD',
  'RUNBOOK_TEMPORAL_CACHE',
  'RUNBOOK_TEMPORAL_FORCE',
  'RUNBOOK_TEMPORAL_GOCACHE',
  'RUNBOOK_TEMPORAL_LOG_LEVEL',
  'RUNBOOK_TEMPORAL_NICE',
  'RUNBOOK_TEMPORAL_SERVER_VERSION',
  'RUNBOOK_ETCD_VERSION',
  'RUNBOOK_KUBE_BIN_DIR',
  'RUNBOOK_KUBE_CACHE',
  'RUNBOOK_KUBE_FORCE',
  'RUNBOOK_KUBE_GOCACHE',
  'RUNBOOK_KUBE_KEEP',
  'RUNBOOK_KUBE_NICE',
  'RUNBOOK_KUBE_VERSION',
]);

/** Values that may carry a token (webhook URLs) or a key typed where a reference belongs: never echoed. */
const SECRET_BEARING = new Set([
  'RUNBOOK_SLACK_WEBHOOK_URL',
  'RUNBOOK_WEBHOOK_URL',
  'RUNBOOK_API_KEY_REF',
  'RUNBOOK_CONSOLE_SESSION_KEY',
  'RUNBOOK_OIDC_CLIENT_SECRET',
  'RUNBOOK_INTAKE_HMAC_SECRET',
  'RUNBOOK_INTAKE_ALERTMANAGER_TOKEN',
  'RUNBOOK_SLACK_SIGNING_SECRET',
  'RUNBOOK_METRICS_TOKEN',
]);

function shown(variable: string, value: string | undefined): string {
  if (SECRET_BEARING.has(variable) || RUNBOOK_KEY_REF_VARIABLE.test(variable)) return `${variable} (value not shown)`;
  return `${variable}=${JSON.stringify(value ?? '')}`;
}

/**
 * A RUNBOOK_* variable nobody reads is a typo until shown otherwise: `RUNBOOK_REQUIRE_VERIFIED_APPROVAL=1`
 * ignored would leave approvals unverified. Its value is never echoed (it may be a secret).
 */
function unknownVariables(env: NodeJS.ProcessEnv): string[] {
  const known = [...Object.keys(EnvSchema.shape), ...READ_ELSEWHERE];
  return Object.keys(env)
    .filter((k) => k.startsWith('RUNBOOK_') && env[k] !== undefined && env[k] !== '')
    .filter((k) => !known.includes(k) && !RUNBOOK_KEY_REF_VARIABLE.test(k))
    .sort()
    .map((k) => {
      const suggestion = closest(k, known);
      return `${k}: not a variable runbook reads — ${suggestion ? `did you mean ${suggestion}?` : 'unset it'}`;
    });
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const relevant = Object.fromEntries(
    Object.keys(EnvSchema.shape).flatMap((k) => (env[k] === undefined || env[k] === '' ? [] : [[k, env[k]]])),
  );
  const problems = unknownVariables(env);
  const parsed = EnvSchema.safeParse(relevant);
  if (!parsed.success) {
    problems.push(
      ...parsed.error.issues.map((issue) => {
        const variable = String(issue.path[0] ?? 'environment');
        return `${shown(variable, env[variable])}: ${issue.message}`;
      }),
    );
  }
  const keyRefs: Record<string, SecretRef> = {};
  for (const [variable, value] of Object.entries(env)) {
    const runbook = RUNBOOK_KEY_REF_VARIABLE.exec(variable)?.[1];
    if (runbook === undefined || value === undefined || value === '') continue;
    const ref = secretRef.safeParse(value);
    if (ref.success) keyRefs[runbook] = ref.data;
    else problems.push(`${shown(variable, value)}: ${ref.error.issues.map((i) => i.message).join('; ')}`);
  }
  if (problems.length > 0 || !parsed.success) {
    throw new ConfigError(
      `invalid configuration — ${problems.join('; ')}. Fix or unset the variable (see docs/configuration.md).`,
    );
  }
  return { ...parsed.data, RUNBOOK_KEY_REFS: keyRefs };
}

/** Whether approval requests to Slack carry buttons: said explicitly, or implied by the service verifying clicks. */
export function slackApprovalButtons(config: AppConfig): boolean {
  return config.RUNBOOK_SLACK_APPROVAL_BUTTONS ?? config.RUNBOOK_SLACK_SIGNING_SECRET !== undefined;
}

export function postmortemDir(config: AppConfig): string {
  return config.RUNBOOK_POSTMORTEM_DIR ?? resolve(config.RUNBOOK_DATA_DIR, 'postmortems');
}
