/**
 * The runbook document format (docs/runbooks.md): one zod schema, the source of the published JSON
 * Schema (docs/runbook.schema.json). Strict at every level: an unknown key is an error with its JSON
 * path and the key it most likely stands for. Pure data: the compiler (compile.ts) turns a document
 * into the engine's RunbookDefinition. Its schemas (here and in schema-*.ts) are built on first use
 * inside a workflow (`lazySchemaInWorkflows`): an incident that finds its document compiled never
 * builds them.
 */
import { z } from 'zod';
import { lazySchemaInWorkflows } from '../../contract/lazy-schema.ts';
import { Auth, Id, Text } from './schema-parts.ts';
import { Step, STEP_LIBRARY } from './schema-plans.ts';
import { Corroboration, Rule, Severity } from './schema-decision.ts';
import { Tooling } from './schema-tooling.ts';

export { STEP_LIBRARY };
export type { StepShape } from './schema-plans.ts';
export type { OutcomeShape, SupersededShape } from './schema-outcomes.ts';
export type {
  ConditionShape,
  CorroborationRowShape,
  LatencyPercentileShape,
  ResultMatchShape,
} from './schema-decision.ts';

const SeverityLevel = lazySchemaInWorkflows(() =>
  z
    .object({
      description: Text,
      /** Response-time SLA: the incident escalates when nobody acknowledged it by then. */
      responseMinutes: z.number().int().positive(),
      /** Stakeholder updates while open (none for P4 unless set). */
      updateEveryMinutes: z.number().int().positive().optional(),
      /** A plan for a cause of this severity changes nothing without a human's approval (lint checks it). */
      approvalRequired: z.boolean().default(true),
    })
    .strict(),
);

/**
 * The variables that may set a built-in document's setting for the service built from RUNBOOK_*
 * variables, with their types: names of cluster objects and a policy switch, never a credential.
 */
export const SETTING_VARIABLES = {
  RUNBOOK_K8S_SECRET: 'string',
  RUNBOOK_K8S_SECRET_KEY: 'string',
  RUNBOOK_BATCH_SELECTOR: 'string',
  RUNBOOK_AUTO_APPROVE_P1_FALLBACK: 'boolean',
} as const;

const Setting = lazySchemaInWorkflows(() =>
  z
    .object({
      type: z.enum(['string', 'integer', 'boolean']),
      default: z.union([z.string(), z.number(), z.boolean()]),
      description: Text,
      /** The variable that sets it for the service built from RUNBOOK_* variables. */
      variable: z.enum(Object.keys(SETTING_VARIABLES) as [keyof typeof SETTING_VARIABLES]).optional(),
    })
    .strict(),
);

/** The objects the runbook may change besides the service's deployment: named from its settings. */
const Objects = lazySchemaInWorkflows(() =>
  z
    .object({
      secrets: z.record(Id, z.object({ name: Text, key: Text }).strict()).default({}),
      cronJobs: z.record(Id, z.object({ selector: Text }).strict()).default({}),
    })
    .strict(),
);

const HttpProbe = lazySchemaInWorkflows(() =>
  z
    .object({
      kind: z.literal('http'),
      id: Id,
      description: Text,
      method: z.enum(['GET', 'POST']),
      /** Relative to the catalog entry's base URL: starts with `/`, never a host of its own. */
      path: z.string(),
      json: z.unknown().optional(),
      multipart: z.record(z.string(), z.string()).optional(),
      /** Fixed headers the API requires (e.g. `anthropic-version`); never a credential. */
      headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'a header name'), z.string()).optional(),
      /** Send the service's key with the document's `auth` scheme (default) or not at all. */
      authenticated: z.boolean().default(true),
      billed: z.boolean().default(false),
      timeoutMs: z.number().int().positive(),
      /** What a good answer must contain: JSON paths (dot separated, numeric indexes). */
      expectJson: z.array(Text).optional(),
      extractUrl: Text.optional(),
      extractField: Text.optional(),
    })
    .strict(),
);

/** The catalog entry's status page, Statuspage format: its indicator is a hint. */
const StatusPageProbe = lazySchemaInWorkflows(() =>
  z
    .object({
      kind: z.literal('statusPage'),
      id: Id,
      description: Text.default('Provider status page, Statuspage format (free)'),
      timeoutMs: z.number().int().positive().default(5_000),
    })
    .strict(),
);
const DnsProbe = lazySchemaInWorkflows(() =>
  z
    .object({
      kind: z.literal('dns'),
      id: Id,
      description: Text.default('DNS resolution of the API host'),
      timeoutMs: z.number().int().positive().default(5_000),
    })
    .strict(),
);
/** The time another probe's call took: no call of its own. */
const TimingProbe = lazySchemaInWorkflows(() =>
  z.object({ kind: z.literal('timing'), id: Id, description: Text, of: Id }).strict(),
);
const DownloadProbe = lazySchemaInWorkflows(() =>
  z
    .object({
      kind: z.literal('download'),
      id: Id,
      description: Text,
      of: Id,
      timeoutMs: z.number().int().positive().default(15_000),
    })
    .strict(),
);

const Probe = lazySchemaInWorkflows(() =>
  z.discriminatedUnion('kind', [HttpProbe, StatusPageProbe, DnsProbe, TimingProbe, DownloadProbe]),
);

const Cause = lazySchemaInWorkflows(() =>
  z
    .object({
      severity: Severity,
      summary: Text,
      /** The communication template's "Impact:" line. */
      impact: Text,
      /** The communication template's "Action:" line. */
      action: Text,
      /** Postmortem action items. */
      actionItems: z.array(Text).min(1),
      /** The engine confirms the fault is sustained before the plan starts. */
      confirm: z.boolean().default(false),
      plan: Id,
    })
    .strict(),
);

const Evidence = lazySchemaInWorkflows(() =>
  z
    .object({
      /** Probes the decision rests on: when none could run, triage is blocked, not guessed. */
      decisive: z.array(Id).min(1),
      /** Real (billed) calls: recovery and relapse are judged by these. */
      real: z.array(Id).min(1),
      /** The status page probe: a hint, never enough on its own. */
      hint: Id,
      /** Causes whose evidence is certain (answers about us, never noise). */
      certain: z.array(Id).default([]),
      healthyCause: Id,
    })
    .strict(),
);

/** The default catalog entry a worker builds for a built-in runbook from the RUNBOOK_* variables. */
const DefaultService = lazySchemaInWorkflows(() =>
  z
    .object({
      name: Id,
      baseUrl: Text,
      statusPageUrl: Text,
      apiHost: Text,
      keyEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name'),
      kubernetes: z.object({ namespace: Text, deployment: Text }).strict(),
    })
    .strict(),
);

export const RunbookDocumentSchema = lazySchemaInWorkflows(() =>
  z
    .object({
      /** Which format the document is written in. */
      format: z.literal('runbook/v1'),
      metadata: z
        .object({
          id: Id,
          /** Increase it on every change: incidents record it with the content hash. */
          version: z.number().int().positive(),
          title: Text,
          provider: Text,
        })
        .strict(),
      service: DefaultService,
      /** How the key is sent: `<header>: <prefix><key>`. */
      auth: Auth,
      settings: z.record(Id, Setting).default({}),
      objects: Objects.prefault({}),
      severities: z.object({ P1: SeverityLevel, P2: SeverityLevel, P3: SeverityLevel, P4: SeverityLevel }).strict(),
      /** Decision thresholds (e.g. latency) by name; drills scale them with the simulator. */
      thresholds: z.record(Id, z.number().positive()).default({}),
      probes: z.object({ triage: z.array(Probe).min(1) }).strict(),
      evidence: Evidence,
      /** Ordered: the first rule that matches decides; the last must be `always`. */
      decision: z.array(Rule).min(1),
      corroboration: Corroboration.prefault({}),
      causes: z.record(Id, Cause),
      plans: z.record(Id, z.array(Step).min(1)),
      tooling: Tooling,
    })
    .strict(),
);

export type RunbookDocument = z.infer<typeof RunbookDocumentSchema>;
export type DocumentProbe = z.infer<typeof Probe>;
export type DocumentRule = z.infer<typeof Rule>;
export type DocumentCause = z.infer<typeof Cause>;
