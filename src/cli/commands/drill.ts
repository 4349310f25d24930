import type { Command } from 'commander';
import { z } from 'zod';
import { checkWorkflowBundleConfig, runDrill, type DrillReport } from '../../app/drill.ts';
import { loadConfig } from '../../config/index.ts';
import { createLogger, installRuntimeLogger } from '../../infra/logger.ts';
import { defaultRunbookId, runbookIds, type RunbookDefinition } from '../../runbooks/index.ts';
import { runbookTooling } from '../../runbooks/tooling/index.ts';
import { assertDrillEnds, loadScenarioFile } from '../../simulator/index.ts';
import { writeJson, type CliContext } from '../context.ts';
import { askApproval, terminalStatusLine } from '../follow-view.ts';
import { EXIT, QuietExit, UsageError } from '../errors.ts';
import { parseOptions } from '../shared.ts';
import { requireRunbook } from '../../app/service-catalog.ts';
import type { MutationRecord } from '../../contract/index.ts';

function changeDisposition(
  m: Pick<MutationRecord, 'revertedAt' | 'keptBecause' | 'op'>,
  state: string,
): { outcome: 'reverted' | 'kept' | 'left-for-human' | 'restart'; why: string | null } {
  if (m.op.kind === 'rollout-restart') return { outcome: 'restart', why: null };
  if (m.revertedAt) return { outcome: 'reverted', why: null };
  if (m.keptBecause) return { outcome: 'kept', why: m.keptBecause };
  return { outcome: 'left-for-human', why: `the incident ended ${state} with the change in place` };
}

const DrillOptions = z
  .object({
    scenario: z.string().optional(),
    scenarioFile: z.string().min(1).optional(),
    autoApprove: z.boolean().default(false),
    kubeContext: z.string().min(1).optional(),
    dryRun: z.boolean().default(false),
    productionTimings: z.boolean().default(false),
    json: z.boolean().default(false),
    runbook: z.string().optional(),
  })
  .refine((o) => o.scenario || o.scenarioFile, {
    message: 'name a scenario (runbook drill --help lists the built-in ones) or pass --scenario-file F',
  })
  .refine((o) => !o.kubeContext || o.dryRun, {
    message: '--kube-context needs --dry-run: a drill never changes a real cluster',
  });

type DrillCliOptions = z.infer<typeof DrillOptions>;

export function register(program: Command, ctx: CliContext): void {
  program
    .command('drill')
    .description(
      "Game day in one command: dev server + worker + the runbook's API simulator, one incident end to end, compressed timings",
    )
    .argument(
      '[scenario]',
      `built-in scenario: ${runbookIds()
        .map((id) => `${id}: ${Object.keys(runbookTooling(id).scenarios).join(', ')}`)
        .join('; ')}`,
    )
    .option('--runbook <id>', `runbook to drill: ${runbookIds().join(', ')} (default: ${defaultRunbookId()})`)
    .option('--scenario-file <file>', 'JSON phases instead of a built-in scenario')
    .option('--auto-approve', 'approve every step as the identity drill-auto')
    .option('--kube-context <context>', 'use a real cluster (with --dry-run) instead of the record-only target')
    .option('--dry-run', 'server-side dry-run: every patch validated, nothing persisted')
    .option('--production-timings', 'real SLA, poll and latency timings (slow)')
    .option('--json', 'print one JSON object at the end (logs go to stderr)')
    .action((scenario: string | undefined, raw: Record<string, unknown>) => drillCommand(ctx, scenario, raw));
}

async function drillCommand(ctx: CliContext, scenario: string | undefined, raw: Record<string, unknown>) {
  const options = parseOptions(DrillOptions, { ...raw, scenario });
  const runbook = requireRunbook(options.runbook ?? defaultRunbookId());
  const phases = scenarioPhases(options, runbook);
  const config = loadConfig(ctx.env);
  checkWorkflowBundleConfig(config);
  // The drill's own output is the timeline; SDK chatter only when asked for (RUNBOOK_LOG_LEVEL).
  installRuntimeLogger(
    createLogger({
      level: ctx.env.RUNBOOK_LOG_LEVEL ? config.RUNBOOK_LOG_LEVEL : 'warn',
      format: config.RUNBOOK_LOG_FORMAT,
    }),
  );
  const out = (line: string) => (options.json ? ctx.stderr : ctx.stdout).write(`${line}\n`);
  const interactive = !options.autoApprove && Boolean(ctx.stdin.isTTY);
  const report = await runDrill(config, ctx.env, {
    runbook: runbook.id,
    scenario: options.scenario ?? options.scenarioFile!,
    phases,
    autoApprove: options.autoApprove,
    productionTimings: options.productionTimings,
    kubeContext: options.kubeContext,
    dryRun: options.dryRun,
    print: out,
    note: (line) => ctx.stderr.write(`${line}\n`),
    prompt: interactive ? (request) => askApproval(ctx, request) : undefined,
    statusLine: options.json ? undefined : terminalStatusLine(ctx),
  });
  if (options.json) writeJson(ctx, drillJson(report));
  else ctx.stdout.write(drillSummary(report));
  if (!report.passed) throw new QuietExit(EXIT.indicated);
}

/** A scenario file's phases (checked to end), or none for a built-in scenario of the runbook (refused when unknown). */
function scenarioPhases(options: DrillCliOptions, runbook: RunbookDefinition) {
  const builtin = Object.keys(runbookTooling(runbook.id).scenarios);
  if (options.scenario && !options.scenarioFile && !builtin.includes(options.scenario)) {
    throw new UsageError(
      `unknown scenario "${options.scenario}" for runbook ${runbook.id} — built-in: ${builtin.join(', ')}; or --scenario-file F`,
    );
  }
  const profile = runbookTooling(runbook.id).simulator;
  return options.scenarioFile
    ? assertDrillEnds(loadScenarioFile(options.scenarioFile, profile), options.scenarioFile, profile)
    : undefined;
}

function drillJson(report: DrillReport) {
  const { result } = report;
  return {
    incidentId: report.incidentId,
    scenario: report.scenario,
    cause: report.cause,
    severity: report.severity,
    state: report.state,
    timeline: result.timeline.map(({ at, kind, message }) => ({ at, kind, message })),
    approvals: result.approvals.map(({ stepId, by, decision, at }) => ({ stepId, by, decision, at })),
    causes: result.causes,
    // What stakeholders were told, and when: every status sent, with the state it was sent in.
    statuses: result.timeline.flatMap(({ at, kind, data }) => {
      const d = data as { kind?: string; status?: string; state?: string } | undefined;
      return kind === 'notification' && d?.status
        ? [{ at, kind: d.kind ?? null, status: d.status, state: d.state ?? null }]
        : [];
    }),
    mutations: result.mutations.map(
      ({ step, target, change, previous, appliedAt, revertedAt, keptBecause, kubectl, purpose, op }) => ({
        step,
        target,
        change,
        previous,
        appliedAt,
        revertedAt: revertedAt ?? null,
        keptBecause: keptBecause ?? null,
        purpose: purpose ?? null,
        // reverted, kept (why), or left for a human (why): nothing stays in place without a reason.
        disposition: changeDisposition({ revertedAt, keptBecause, op }, report.state),
        kubectl,
      }),
    ),
    postmortemPath: result.postmortemPath,
  };
}

function drillSummary(report: DrillReport): string {
  const { result } = report;
  return (
    `\nDrill ${report.scenario}: ${report.severity} ${report.cause} → ${report.state}` +
    (result.causes.length > 1 ? ` (causes: ${result.causes.map((c) => c.cause).join(' → ')})` : '') +
    `${report.expectedCause && report.cause !== report.expectedCause ? ` (expected ${report.expectedCause})` : ''}\n` +
    (result.mutations.length
      ? `Changes (kubectl equivalents):\n${result.mutations.map((m) => `  ${m.kubectl}${m.revertedAt ? '   # reverted' : ''}`).join('\n')}\n`
      : '') +
    `Postmortem: ${result.postmortemPath}\n`
  );
}
