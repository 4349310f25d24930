import type { Command } from 'commander';
import { z } from 'zod';
import type { Reading } from '../../app/decision-replay.ts';
import type { IncidentDiff, IncidentsDiff } from '../../app/diff-decisions.ts';
import type { ScenarioDiff } from '../../app/scenario-decisions.ts';
import { terminalSafe } from '../../contract/index.ts';
import { writeJson, type CliContext } from '../context.ts';
import { EXIT, QuietExit } from '../errors.ts';
import { formatColumns, IncidentIdSchema, parseOptions, withClient } from '../shared.ts';

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

const DiffOptions = z
  .object({
    runbook: z.string().min(1),
    since: z
      .string()
      .regex(/^[1-9][0-9]*[mhdw]$/, 'a duration like 30d, 12h, 90m or 2w')
      .optional(),
    incident: z.array(IncidentIdSchema).optional(),
    scenarios: z.boolean().default(true),
    json: z.boolean().default(false),
    exitCode: z.boolean().default(false),
  })
  .refine((o) => !(o.since && o.incident), { message: 'use --since or --incident, not both' });

const reading = (r: Reading | null) => (r ? `${r.severity} ${r.cause}${r.rule ? ` [${r.rule}]` : ''}` : '-');
type Plan = NonNullable<Reading['plan']>;
const planChange = (before: Plan, after: Plan) =>
  before.id === after.id ? `plan ${after.id} (steps changed)` : `plan ${before.id} → ${after.id}`;

/** What differs, in words: the plan by name, the real rounds by count with the first change. */
function differsCell(c: IncidentDiff): string {
  return c.differences
    .map((d) => {
      if (d === 'plan') return planChange(c.before!.plan!, c.after!.plan!);
      if (d !== 'monitoring') return d;
      const { read, differing } = c.realRounds;
      return `${differing.length}/${read} real rounds (${differing[0]!.before} → ${differing[0]!.after})`;
    })
    .join(', ');
}

function incidentsTable(diff: IncidentsDiff): string {
  const rows = diff.compared
    .filter((c) => c.differences.length > 0)
    .map((c) => [
      c.incidentId,
      c.startedAt?.slice(0, 16).replace('T', ' ') ?? '-',
      reading(c.before),
      reading(c.after),
      differsCell(c),
    ]);
  const differing = rows.length;
  const notes = diff.compared.flatMap((c) => c.notes.map((n) => `  ${c.incidentId}: ${n}`));
  return (
    `Runbook ${diff.runbook}: ${diff.document} over the evidence of ${diff.compared.length} incident(s)` +
    `${diff.otherRunbooks > 0 ? ` (${diff.otherRunbooks} of other runbooks skipped)` : ''}\n` +
    (differing > 0
      ? formatColumns([['INCIDENT', 'STARTED', 'DECIDED (RULE)', 'WOULD DECIDE (RULE)', 'DIFFERS'], ...rows])
      : '') +
    `${differing} of ${diff.compared.length} incident(s) would be decided differently\n` +
    (notes.length > 0 ? `Notes:\n${notes.join('\n')}\n` : '')
  );
}

function scenariosTable(registered: string | null, scenarios: ScenarioDiff[]): string {
  const rows = scenarios.map((s) => [
    s.scenario,
    s.expectedCause,
    reading(s.before),
    reading(s.after),
    s.differences.length > 0
      ? s.differences.map((d) => (d === 'plan' ? planChange(s.before!.plan!, s.after!.plan!) : d)).join(', ')
      : registered
        ? 'same'
        : '-',
  ]);
  return (
    `Scenarios (triage of each scenario's first round), against ${registered ?? 'no registered runbook of that id'}:\n` +
    formatColumns([['SCENARIO', 'DECLARED', 'REGISTERED (RULE)', 'NEW (RULE)', 'DIFFERS'], ...rows]) +
    `${scenarios.filter((s) => s.differences.length > 0).length} of ${scenarios.length} scenario(s) would be decided differently\n`
  );
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('diff-decisions')
    .description(
      "What a new runbook document would have decided: past incidents' recorded evidence and the document's scenarios, through its decision table",
    )
    .requiredOption('--runbook <file>', 'the new text of a runbook document (YAML or JSON)')
    .option('--since <duration>', 'incidents started this long ago or later: 30d, 12h, 90m, 2w (default 30d)')
    .option('--incident <id...>', 'these incidents instead of a time window')
    .option('--no-scenarios', "skip the document's own scenarios")
    .option('--json', 'print the comparison as JSON')
    .option('--exit-code', 'exit 3 when any incident or scenario would be decided differently (for CI gates)')
    .action(async (raw: Record<string, unknown>) => {
      const options = parseOptions(DiffOptions, raw);
      const { diffIncidents, readNewText } = await import('../../app/diff-decisions.ts');
      const pin = readNewText(options.runbook);
      const window = options.since ?? '30d';
      const since = options.incident
        ? undefined
        : new Date(Date.now() - Number(window.slice(0, -1)) * UNITS[window.at(-1)!]!);
      const incidents = await withClient(ctx, ({ client }) =>
        diffIncidents(client, pin, { since, incidents: options.incident }),
      );
      const { diffScenarios } = await import('../../app/scenario-decisions.ts');
      const scenarios = options.scenarios ? await diffScenarios(pin) : null;
      if (options.json) writeJson(ctx, { ...incidents, since: since?.toISOString() ?? null, scenarios });
      else {
        ctx.stdout.write(terminalSafe(incidentsTable(incidents), true));
        if (scenarios)
          ctx.stdout.write(`\n${terminalSafe(scenariosTable(scenarios.registered, scenarios.scenarios), true)}`);
      }
      const differs = [...incidents.compared, ...(scenarios?.scenarios ?? [])].some((c) => c.differences.length > 0);
      if (options.exitCode && differs) throw new QuietExit(EXIT.indicated);
    });
}
