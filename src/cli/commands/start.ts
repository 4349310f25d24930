// src/cli/commands: one file per `runbook` subcommand, each registering itself on the program.
import type { Command } from 'commander';
import { z } from 'zod';
import { followIncident } from '../../app/follow.ts';
import { startIncident } from '../../app/incidents.ts';
import { chooseService } from '../../app/service-catalog.ts';
import { catalogFromConfig } from '../../worker/service-catalog.ts';
import { loadConfig } from '../../config/index.ts';
import { requireWorker } from '../../app/workers.ts';
import { FreeTextSchema } from '../../contract/index.ts';
import { defaultRunbookId } from '../../runbooks/index.ts';
import { writeJson, type CliContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { IncidentIdSchema, parseOptions, PersonSchema, runbookById, withClient } from '../shared.ts';

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
    .option('--runbook <id>', "runbook definition (default: the service's runbook, or the first registered)")
    .option('--service <name>', "the service, by its name in the catalog (default: the runbook's only service)")
    .option('--follow', 'follow the incident live until it ends')
    .option('--json', 'print {"incidentId"}')
    .action(async (raw: Record<string, unknown>) => {
      const options = parseOptions(StartOptions, { ...raw, reporter: raw.reporter ?? ctx.env.USER ?? 'unknown' });
      const catalog = catalogFromConfig(loadConfig(ctx.env));
      const named =
        options.service && catalog.names().includes(options.service)
          ? catalog.require(options.service).runbook
          : undefined;
      const runbook = runbookById(options.runbook ?? named ?? defaultRunbookId());
      if (options.cause && !Object.hasOwn(runbook.causes, options.cause)) {
        throw new UsageError(
          `unknown cause "${options.cause}" for runbook ${runbook.id} — one of: ${Object.keys(runbook.causes).join(', ')}`,
        );
      }
      const service = chooseService(catalog, runbook.id, options.service);
      await withClient(ctx, async ({ client }, config) => {
        // Without a worker the incident would sit unprobed while the person waits for news.
        await requireWorker(client, config.RUNBOOK_TASK_QUEUE);
        const handle = await startIncident(
          client,
          config.RUNBOOK_TASK_QUEUE,
          {
            runbook: runbook.id,
            trigger: options.trigger,
            reporter: options.reporter ?? 'unknown',
            symptom: options.symptom,
            suspectedCause: options.cause,
            service,
          },
          options.id,
        );
        if (options.json) writeJson(ctx, { incidentId: handle.workflowId });
        else ctx.stdout.write(`Opened ${handle.workflowId}. Follow it: runbook status ${handle.workflowId} --follow\n`);
        if (options.follow) {
          const result = await followIncident(handle, { print: (line) => ctx.stderr.write(`${line}\n`) });
          if (result)
            ctx.stderr.write(
              `Incident ${handle.workflowId} ${result.state}. Postmortem: ${result.postmortemPath ?? '(not written)'}\n`,
            );
        }
      });
    });
}
