import type { Command } from 'commander';
import { z } from 'zod';
import {
  createSyntheticSchedule,
  deleteSyntheticSchedule,
  listSyntheticSchedules,
  prepareSyntheticSchedule,
  setSchedulePaused,
} from '../../app/schedules.ts';
import { loadConfig } from '../../config/index.ts';
import { catalogFromConfig } from '../../config/service-catalog.ts';
import { writeJson, type CliContext } from '../context.ts';
import { formatColumns, parseOptions, withClient } from '../shared.ts';

const CreateOptions = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,120}$/, 'letters, digits, dot, dash, underscore, at most 120')
    .optional(),
  runbook: z.string().min(1).optional(),
  service: z.string().optional(),
  every: z.string({ error: 'required, e.g. --every 5m' }),
  billedPerDay: z.coerce
    .number({ error: 'a whole number of billed calls' })
    .int('a whole number of billed calls')
    .min(0, 'at least 0')
    .optional(),
  json: z.boolean().default(false),
});
const IdArgument = z.object({
  id: z.string().regex(/^[A-Za-z0-9._-]{1,120}$/, 'a schedule id (runbook schedule list)'),
});
const JsonOption = z.object({ json: z.boolean().default(false) });

export function register(program: Command, ctx: CliContext): void {
  const schedule = program
    .command('schedule')
    .description(
      'Scheduled synthetic checks: a Temporal Schedule runs the runbook triage every N minutes and opens an incident on a fault',
    );
  registerCreate(schedule, ctx);
  registerList(schedule, ctx);
  for (const paused of [true, false]) registerPause(schedule, ctx, paused);
  registerDelete(schedule, ctx);
  for (const command of schedule.commands)
    command.exitOverride().showHelpAfterError(`(run \`runbook schedule ${command.name()} --help\` for usage)`);
}

function registerCreate(schedule: Command, ctx: CliContext): void {
  schedule
    .command('create')
    .description('Create a schedule (overlap SKIP, catch-up one interval); nothing is created on bad input')
    .option('--id <id>', 'schedule id (default synthetic-<runbook>-<service>.<task queue>)')
    .option('--runbook <id>', "runbook definition (default: the service's runbook, else the engine's default)")
    .option('--service <name>', "the service, by its name in the catalog (default: the runbook's only service)")
    .option('--every <interval>', 'how often: 5m, 90m, 1h (1m to 24h)')
    .option(
      '--billed-per-day <n>',
      'billed probe calls per UTC day for all runs (default RUNBOOK_SYNTHETIC_BILLED_PER_DAY, 48)',
    )
    .option('--json', 'print {"scheduleId", "input"}')
    .action(async (raw: unknown) => {
      const options = parseOptions(CreateOptions, raw);
      const config = loadConfig(ctx.env);
      const prepared = prepareSyntheticSchedule(config.RUNBOOK_TASK_QUEUE, catalogFromConfig(config), {
        id: options.id,
        runbook: options.runbook,
        service: options.service,
        every: options.every,
        billedPerDay: options.billedPerDay ?? config.RUNBOOK_SYNTHETIC_BILLED_PER_DAY,
      });
      await withClient(ctx, async ({ client }) => {
        const created = await createSyntheticSchedule(client, config.RUNBOOK_TASK_QUEUE, prepared);
        if (options.json) return writeJson(ctx, created);
        ctx.stdout.write(
          `Created schedule ${created.scheduleId}: ${created.input.runbook} triage of ${created.input.service} every ${options.every.trim()}, ${created.input.billedPerDay} billed calls a day.\n` +
            'See it with `runbook schedule list` or on the Temporal Web UI Schedules page.\n',
        );
      });
    });
}

function registerList(schedule: Command, ctx: CliContext): void {
  schedule
    .command('list')
    .description("This engine's schedules: id, runbook, service, interval, paused, last result, next run")
    .option('--json', 'print a JSON array')
    .action(async (raw: unknown) => {
      const options = parseOptions(JsonOption, raw);
      await withClient(ctx, async ({ client }, config) => {
        const rows = await listSyntheticSchedules(client, config.RUNBOOK_TASK_QUEUE);
        if (options.json) return writeJson(ctx, rows);
        if (rows.length === 0)
          return void ctx.stdout.write(
            'No synthetic-check schedules. Create one: runbook schedule create --every 5m\n',
          );
        ctx.stdout.write(formatColumns(scheduleTable(rows)));
      });
    });
}

function scheduleTable(rows: Awaited<ReturnType<typeof listSyntheticSchedules>>): string[][] {
  const time = (iso: string | null) => (iso ? iso.slice(0, 16).replace('T', ' ') : '-');
  return [
    ['SCHEDULE', 'RUNBOOK', 'SERVICE', 'EVERY', 'PAUSED', 'LAST RESULT', 'NEXT RUN'],
    ...rows.map((r) => [
      r.scheduleId,
      r.runbook,
      r.service,
      r.every,
      r.paused ? 'yes' : 'no',
      r.lastResult ? `${r.lastResult} (${time(r.lastRunAt)})` : '-',
      time(r.nextRunAt),
    ]),
  ];
}

/** `pause <id>` (paused) or `unpause <id>`. */
function registerPause(schedule: Command, ctx: CliContext, paused: boolean): void {
  schedule
    .command(`${paused ? 'pause' : 'unpause'} <id>`)
    .description(paused ? 'Pause a schedule (no checks run until unpaused)' : 'Resume a paused schedule')
    .action(async (id: string) => {
      const { id: scheduleId } = parseOptions(IdArgument, { id }, ['id']);
      await withClient(ctx, async ({ client }, config) => {
        await setSchedulePaused(client, config.RUNBOOK_TASK_QUEUE, scheduleId, paused, ctx.env.USER ?? 'unknown');
        ctx.stdout.write(`${paused ? 'Paused' : 'Unpaused'} ${scheduleId}\n`);
      });
    });
}

function registerDelete(schedule: Command, ctx: CliContext): void {
  schedule
    .command('delete <id>')
    .description('Delete a schedule (the checks it ran keep their histories)')
    .action(async (id: string) => {
      const { id: scheduleId } = parseOptions(IdArgument, { id }, ['id']);
      await withClient(ctx, async ({ client }, config) => {
        await deleteSyntheticSchedule(client, config.RUNBOOK_TASK_QUEUE, scheduleId);
        ctx.stdout.write(`Deleted ${scheduleId}\n`);
      });
    });
}
