import type { Command } from 'commander';
import { z } from 'zod';
import { testRunbooks, type ScenarioOutcome } from '../../app/runbook-test.ts';
import { loadConfig } from '../../config/index.ts';
import { createLogger, installRuntimeLogger } from '../../infra/logger.ts';
import { writeJson, type CliContext } from '../context.ts';
import { EXIT, QuietExit, UsageError } from '../errors.ts';
import { formatColumns, parseOptions } from '../shared.ts';
import { requireRunbook } from '../../app/service-catalog.ts';
import { runbookTooling } from '../../runbooks/tooling/index.ts';

const TestOptions = z.object({
  scenario: z.array(z.string().min(1)).optional(),
  concurrency: z.coerce.number().int().min(1).max(8).default(1),
  json: z.boolean().default(false),
});

/** One line per scenario, columns aligned; the runbook's column only when there are several. */
function table(outcomes: ScenarioOutcome[], several: boolean): string {
  const head = ['SCENARIO', 'EXPECTED', 'CAUSE', 'SEVERITY', 'STATE', 'RESULT', 'SECONDS'];
  return formatColumns([
    several ? ['RUNBOOK', ...head] : head,
    ...outcomes.map((o) => [
      ...(several ? [o.runbook] : []),
      o.scenario,
      o.expectedCause,
      o.cause ?? '-',
      o.severity ?? '-',
      o.state,
      o.passed ? 'pass' : 'FAIL',
      String(o.seconds),
    ]),
  ]);
}

const report = (runbook: string, outcomes: ScenarioOutcome[]) => {
  const scenarios = outcomes.filter((o) => o.runbook === runbook);
  return { runbook, passed: scenarios.every((o) => o.passed), scenarios };
};

export function register(program: Command, ctx: CliContext): void {
  program
    .command('test')
    .description(
      "Run runbooks' declared scenarios as drills (auto-approved, compressed time) and print a table; exit 3 when any did not end as it must",
    )
    .argument('<runbooks...>', 'runbook ids')
    .option('--scenario <name...>', 'only these scenarios (of a single runbook)')
    .option('--concurrency <n>', 'drills run at once, 1 to 8 (each with its own worker and simulator)', '1')
    .option('--json', 'print the outcomes as JSON')
    .action(async (ids: string[], raw: Record<string, unknown>) => {
      const options = parseOptions(TestOptions, raw);
      const runbooks = ids.map(requireRunbook);
      if (options.scenario && runbooks.length > 1)
        throw new UsageError('--scenario names the scenarios of a single runbook: name one runbook with it');
      const known = Object.keys(runbookTooling(runbooks[0]!.id).scenarios);
      const unknown = (options.scenario ?? []).filter((s) => !known.includes(s));
      if (unknown.length > 0)
        throw new UsageError(
          `unknown scenario ${unknown.map((s) => `"${s}"`).join(', ')} for runbook ${runbooks[0]!.id} — declared: ${known.join(', ')}`,
        );
      const config = loadConfig(ctx.env);
      installRuntimeLogger(
        createLogger({
          level: ctx.env.RUNBOOK_LOG_LEVEL ? config.RUNBOOK_LOG_LEVEL : 'warn',
          format: config.RUNBOOK_LOG_FORMAT,
        }),
      );
      const several = runbooks.length > 1;
      const outcomes = await testRunbooks(config, ctx.env, {
        runbooks: runbooks.map((r) => ({ runbook: r.id, scenarios: options.scenario })),
        concurrency: options.concurrency,
        note: (line) => ctx.stderr.write(`${line}\n`),
        progress: (o) =>
          ctx.stderr.write(
            `${o.passed ? 'pass' : 'FAIL'} ${several ? `${o.runbook} ` : ''}${o.scenario}: ${o.cause ?? o.error ?? 'no cause'} → ${o.state} (${o.seconds} s)\n`,
          ),
      });
      const passed = outcomes.every((o) => o.passed);
      if (options.json)
        writeJson(
          ctx,
          several
            ? { passed, runbooks: runbooks.map((r) => report(r.id, outcomes)) }
            : report(runbooks[0]!.id, outcomes),
        );
      else
        ctx.stdout.write(
          `${table(outcomes, several)}${outcomes.filter((o) => o.passed).length}/${outcomes.length} scenarios of runbook${several ? 's' : ''} ${runbooks.map((r) => r.id).join(', ')} ended as declared\n`,
        );
      if (!passed) throw new QuietExit(EXIT.indicated);
    });
}
