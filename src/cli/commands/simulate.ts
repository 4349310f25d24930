import type { Command } from 'commander';
import { z } from 'zod';
import { loadScenarioFile, startSimulator } from '../../simulator/index.ts';
import type { CliContext } from '../context.ts';
import { defaultRunbookId } from '../../runbooks/index.ts';
import { runbookTooling } from '../../runbooks/tooling/index.ts';
import { parseOptions } from '../shared.ts';
import { requireRunbook } from '../../app/service-catalog.ts';

const SimulateOptionsSchema = z
  .object({
    host: z.string().default('127.0.0.1'),
    port: z.coerce.number().int().min(0).max(65535).default(0),
    scenario: z.string().optional(),
    scenarioFile: z.string().optional(),
    latencyScale: z.coerce.number().min(0).default(1),
    imageTtlMs: z.coerce.number().int().positive().optional(),
    inflightLimit: z.coerce.number().int().positive().optional(),
    runbook: z.string().optional(),
  })
  .refine((o) => !(o.scenario && o.scenarioFile), { message: 'use --scenario or --scenario-file, not both' });

export function register(program: Command, ctx: CliContext): void {
  program
    .command('simulate')
    .description(
      "Run a runbook's API simulator (its endpoints, status page, expiring file URLs, scenarios) until Ctrl-C",
    )
    .option('--runbook <id>', `whose API to simulate (default: ${defaultRunbookId()})`)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0 = any free port)', '0')
    .option('--scenario <name>', 'built-in scenario (healthy, auth-401, outage-500, ...)')
    .option('--scenario-file <file>', 'JSON list of phases (see docs/drills.md, Scenario files)')
    .option('--latency-scale <x>', 'multiply every simulated latency (0 = instant)', '1')
    .option('--image-ttl-ms <ms>', 'image URLs expire after this long (default 24 h)')
    .option('--inflight-limit <n>', 'units in flight per API key before the provider answers 429 (default 10)')
    .action(async (raw: unknown) => {
      const options = parseOptions(SimulateOptionsSchema, raw);
      const runbook = requireRunbook(options.runbook ?? defaultRunbookId());
      const phases = options.scenarioFile
        ? loadScenarioFile(options.scenarioFile, runbookTooling(runbook.id).simulator)
        : undefined;
      const simulator = await startSimulator({
        runbook: runbook.id,
        host: options.host,
        port: options.port,
        scenario: options.scenario,
        phases,
        latencyScale: options.latencyScale,
        imageTtlMs: options.imageTtlMs,
        inflightLimit: options.inflightLimit,
      });
      ctx.stdout.write(
        `${runbookTooling(runbook.id).simulator.name} listening on ${simulator.baseUrl} (scenario ${options.scenarioFile ?? options.scenario ?? 'healthy'})\n`,
      );
      ctx.stdout.write(
        `status page: ${simulator.statusPageUrl}\nadmin: ${simulator.adminUrl}/scenario, ${simulator.adminUrl}/requests\n`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await simulator.stop();
    });
}
