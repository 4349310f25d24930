import type { Command } from 'commander';
import { z } from 'zod';
import { testRunbook, type ScenarioOutcome } from '../../app/runbook-test.ts';
import { loadConfig } from '../../config/index.ts';
import { createLogger, installRuntimeLogger } from '../../infra/logger.ts';
import { writeJson, type CliContext } from '../context.ts';
import { EXIT, QuietExit, UsageError } from '../errors.ts';
import { parseOptions } from '../shared.ts';
import { requireRunbook } from '../../app/service-catalog.ts';

const TestOptions = z.object({ scenario: z.array(z.string().min(1)).optional(), json: z.boolean().default(false) });

/** One line per scenario, columns aligned. */
function table(outcomes: ScenarioOutcome[]): string {
  const rows = [
    ['SCENARIO', 'EXPECTED', 'CAUSE', 'SEVERITY', 'STATE', 'RESULT', 'SECONDS'],
    ...outcomes.map((o) => [
      o.scenario,
      o.expectedCause,
      o.cause ?? '-',
      o.severity ?? '-',
      o.state,
      o.passed ? 'pass' : 'FAIL',
      String(o.seconds),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('test')
    .description(
      "Run a runbook's declared scenarios as drills (auto-approved, compressed time) and print a table; exit 3 when any did not end as it must",
    )
    .argument('<runbook>', 'runbook id')
    .option('--scenario <name...>', 'only these scenarios')
    .option('--json', 'print the outcomes as JSON')
    .action(async (id: string, raw: Record<string, unknown>) => {
      const options = parseOptions(TestOptions, raw);
      const runbook = requireRunbook(id);
      const known = Object.keys(runbook.tooling.scenarios);
      const unknown = (options.scenario ?? []).filter((s) => !known.includes(s));
      if (unknown.length > 0)
        throw new UsageError(
          `unknown scenario ${unknown.map((s) => `"${s}"`).join(', ')} for runbook ${runbook.id} — declared: ${known.join(', ')}`,
        );
      const config = loadConfig(ctx.env);
      installRuntimeLogger(
        createLogger({
          level: ctx.env.RUNBOOK_LOG_LEVEL ? config.RUNBOOK_LOG_LEVEL : 'warn',
          format: config.RUNBOOK_LOG_FORMAT,
        }),
      );
      const outcomes = await testRunbook(config, ctx.env, {
        runbook: runbook.id,
        scenarios: options.scenario,
        note: (line) => ctx.stderr.write(`${line}\n`),
        progress: (o) =>
          ctx.stderr.write(
            `${o.passed ? 'pass' : 'FAIL'} ${o.scenario}: ${o.cause ?? o.error ?? 'no cause'} → ${o.state} (${o.seconds} s)\n`,
          ),
      });
      if (options.json)
        writeJson(ctx, { runbook: runbook.id, passed: outcomes.every((o) => o.passed), scenarios: outcomes });
      else
        ctx.stdout.write(
          `${table(outcomes)}\n${outcomes.filter((o) => o.passed).length}/${outcomes.length} scenarios of runbook ${runbook.id} ended as declared\n`,
        );
      if (!outcomes.every((o) => o.passed)) throw new QuietExit(EXIT.indicated);
    });
}
