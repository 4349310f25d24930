// src/cli/commands: one file per `runbook` subcommand, each registering itself on the program.
import type { Command } from 'commander';
import { z } from 'zod';
import { followIncidentById } from '../../app/follow.ts';
import { openIncident, prepareIncident } from '../../app/open-incident.ts';
import { catalogFromConfig } from '../../config/service-catalog.ts';
import { loadConfig } from '../../config/index.ts';
import { FreeTextSchema } from '../../contract/index.ts';
import { writeJson, type CliContext } from '../context.ts';
import { IncidentIdSchema, parseOptions, PersonSchema, withClient } from '../shared.ts';

const StartOptions = z.object({
  symptom: FreeTextSchema.default(''),
  cause: z.string().max(64).optional(),
  reporter: PersonSchema.optional(),
  trigger: z.enum(['manual', 'alert', 'drill']).default('manual'),
  id: IncidentIdSchema.optional(),
  runbook: z.string().optional(),
  service: z.string().optional(),
  follow: z.boolean().default(false),
  json: z.boolean().default(false),
});

export function register(program: Command, ctx: CliContext): void {
  program
    .command('start')
    .description('Open an incident for the configured service: triage, decision, remediation with approvals')
    .option('--symptom <text>', 'what people see, e.g. "image generation returns 500"')
    .option('--cause <cause>', 'suspected cause (e.g. quality_regression, which probes cannot see)')
    .option('--reporter <name>', 'who reports it (default: $USER)')
    .option('--trigger <trigger>', 'manual | alert | drill', 'manual')
    .option('--id <id>', 'incident id (default incident-<yyyymmdd>-<slug of the symptom>)')
    .option('--runbook <id>', "runbook definition (default: the service's runbook, else the engine's default)")
    .option('--service <name>', "the service, by its name in the catalog (default: the runbook's only service)")
    .option('--follow', 'follow the incident live until it ends')
    .option('--json', 'print {"incidentId"}')
    .action(async (raw: Record<string, unknown>) => {
      const options = parseOptions(StartOptions, { ...raw, reporter: raw.reporter ?? ctx.env.USER ?? 'unknown' });
      // Checked before connecting: a bad runbook, cause or service starts nothing.
      const prepared = prepareIncident(catalogFromConfig(loadConfig(ctx.env)), {
        runbook: options.runbook,
        service: options.service,
        trigger: options.trigger,
        reporter: options.reporter ?? 'unknown',
        symptom: options.symptom,
        suspectedCause: options.cause,
      });
      await withClient(ctx, async ({ client }, config) => {
        const { incidentId } = await openIncident(client, config.RUNBOOK_TASK_QUEUE, prepared, {
          incidentId: options.id,
        });
        if (options.json) writeJson(ctx, { incidentId });
        else ctx.stdout.write(`Opened ${incidentId}. Follow it: runbook status ${incidentId} --follow\n`);
        if (options.follow) {
          const result = await followIncidentById(client, incidentId, {
            print: (line) => ctx.stderr.write(`${line}\n`),
          });
          if (result)
            ctx.stderr.write(
              `Incident ${incidentId} ${result.state}. Postmortem: ${result.postmortemPath ?? '(not written)'}\n`,
            );
        }
      });
    });
}
