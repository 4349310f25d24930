import type { Command } from 'commander';
import { z } from 'zod';
import { runTriage } from '../../activities/probes/index.ts';
import { isSecretConfigError } from '../../activities/secrets.ts';
import { keyRefVariable, serviceFromConfig } from '../../config/service-config.ts';
import { loadConfig } from '../../config/index.ts';
import { decisiveBlocker, HttpUrlSchema, type ProbeResult } from '../../contract/index.ts';
import { defaultRunbookId } from '../../runbooks/index.ts';
import { writeJson, type CliContext } from '../context.ts';
import { EXIT, QuietExit, UsageError } from '../errors.ts';
import { parseOptions } from '../shared.ts';
import { requireRunbook } from '../../app/service-catalog.ts';

const TriageOptionsSchema = z.object({
  baseUrl: HttpUrlSchema.optional(),
  statusPageUrl: HttpUrlSchema.optional(),
  timeoutMs: z.coerce.number().int().positive().optional(),
  runbook: z.string().optional(),
  json: z.boolean().default(false),
});

export function register(program: Command, ctx: CliContext): void {
  program
    .command('triage')
    .description(
      'One-shot Quick Triage: run every probe concurrently, print the results and the decision (exit 0 healthy, 3 incident indicated)',
    )
    .option(
      '--base-url <url>',
      "API base URL (default: the runbook's own; RUNBOOK_SERVICE_BASE_URL for the default runbook)",
    )
    .option('--status-page-url <url>', 'status page JSON URL')
    .option('--timeout-ms <ms>', 'cap every probe timeout at this many milliseconds')
    .option('--runbook <id>', `runbook definition (default: ${defaultRunbookId()})`)
    .option('--json', 'print {"probes": [...], "decision": {...}}')
    .action(async (raw: unknown) => {
      const options = parseOptions(TriageOptionsSchema, raw);
      const config = loadConfig(ctx.env);
      const runbook = requireRunbook(options.runbook ?? defaultRunbookId());
      const service = serviceFromConfig(config, runbook);
      const keyVariable = runbook.id === defaultRunbookId() ? 'RUNBOOK_API_KEY_REF' : keyRefVariable(runbook.id);
      const probes = runbook.triageProbes.map((p) =>
        options.timeoutMs ? { ...p, timeoutMs: Math.min(p.timeoutMs, options.timeoutMs) } : p,
      );
      const target = {
        baseUrl: options.baseUrl ?? service.baseUrl,
        statusPageUrl:
          options.statusPageUrl ??
          (options.baseUrl ? `${options.baseUrl.replace(/\/$/, '')}/api/v2/status.json` : service.statusPageUrl),
        apiHost: options.baseUrl ? undefined : service.apiHost,
        apiKeyRef: service.apiKeyRef,
      };
      const report = await runTriage(runbook, target, { secrets: { env: ctx.env } }, { probes }).catch(
        (err: unknown) => {
          // A missing API key is configuration the operator must fix, like any other bad setting.
          if (isSecretConfigError(err))
            throw new UsageError(`${(err as Error).message} (set it, or point ${keyVariable} at it)`);
          throw err;
        },
      );
      // Probes that could not run are evidence about us: no cause is guessed from the rest.
      const blocker = decisiveBlocker(runbook.evidence.decisive, report.probes);
      if (blocker) throw new UsageError(`cannot triage: ${blocker} (set it, or point ${keyVariable} at it)`);
      const { cause, severity, rationale } = report.decision;
      if (options.json) {
        writeJson(ctx, { probes: report.probes, decision: { cause, severity, rationale } });
      } else {
        ctx.stdout.write(
          `=== ${runbook.title.toUpperCase()} TRIAGE ===\n${formatTable(report.probes)}\n\n${severity} ${cause}: ${rationale}\n`,
        );
      }
      if (cause !== 'healthy') throw new QuietExit(EXIT.indicated);
    });
}

function formatTable(results: ProbeResult[]): string {
  const rows = results.map((r) => [
    r.probe,
    r.ok ? 'ok' : r.detail.startsWith('skipped') || r.source === 'self' ? 'skip' : 'FAIL',
    r.httpStatus === null ? '-' : String(r.httpStatus),
    r.errorKind ?? '-',
    `${r.latencyMs}ms`,
    r.detail.slice(0, 70),
  ]);
  const header = ['probe', 'result', 'http', 'error', 'latency', 'detail'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
