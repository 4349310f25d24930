import type { Command } from 'commander';
import { z } from 'zod';
import { followIncidentById } from '../../app/follow.ts';
import { decide, incidentStatus } from '../../app/incidents.ts';
import { askApproval, terminalStatusLine } from '../follow-view.ts';
import {
  actionContextOf,
  describeRunbookDocument,
  healthText,
  offeredActions,
  revertWarning,
  terminalSafe,
  type HumanAction,
  type IncidentStatus,
} from '../../contract/index.ts';

const CHOICE_COMMANDS: Partial<Record<HumanAction, (id: string) => string>> = {
  verify_again: (id) => `runbook verify ${id} --by <you>`,
  revert_change: (id) => `runbook revert ${id} <step> --by <you>`,
  provide_secret: (id) => `runbook provide-secret ${id} <step> --ref env:NAME --by <you>`,
};
import { writeJson, type CliContext } from '../context.ts';
import { IncidentIdSchema, parseOptions, PersonSchema, withClient } from '../shared.ts';

const StatusOptions = z.object({
  id: IncidentIdSchema,
  follow: z.boolean().default(false),
  json: z.boolean().default(false),
  by: PersonSchema.optional(),
});

export function formatStatus(s: IncidentStatus): string {
  const lines = [
    `${s.incidentId}  ${s.severity ?? 'P?'} ${s.cause ?? 'undetermined'}  ${s.state} (${s.communicationStatus})`,
    `owner: ${s.owner ? `@${s.owner}` : 'unassigned'}   next update: ${s.nextUpdateAt ?? '-'}   started: ${s.startedAt}`,
  ];
  if (s.rationale) lines.push(`why: ${s.rationale}`);
  if (s.runbookDocument) lines.push(`runbook document: ${describeRunbookDocument(s.runbookDocument)}`);
  if (s.monitor) lines.push(`monitoring: ${healthText(s.monitor)} (${s.monitor.polls} polls)`);
  if (s.handedOver) {
    lines.push(`A HUMAN OWNS IT since ${s.handedOver.at}: ${s.handedOver.reason}`);
    const offered = offeredActions(s.state, actionContextOf(s.pendingApprovals, s.mutations)).filter((a) =>
      ['verify_again', 'revert_change', 'provide_secret'].includes(a),
    );
    lines.push(
      `  choose: ${offered.map((a) => CHOICE_COMMANDS[a]!(s.incidentId)).join(' | ')} | runbook resolve|cancel ${s.incidentId} <reason> --by <you>`,
    );
    lines.push(`  resolve or cancel: ${revertWarning(s.mutations)}`);
  }
  for (const a of s.pendingApprovals) {
    lines.push(`PENDING ${a.stepId}: ${a.description}`);
    if (a.kubectl) lines.push(`  equivalent: ${a.kubectl}`);
    lines.push(`  approve: ${a.approveCommand}`);
  }
  for (const m of s.mutations)
    lines.push(`change ${m.step}: ${m.change} on ${m.target} (${m.mode}${m.revertedAt ? ', reverted' : ''})`);
  // Names, notes and probe details come from other people and other servers: no raw ESC/BEL here.
  return `${lines.map((line) => terminalSafe(line)).join('\n')}\n`;
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description('State, severity, cause, pending approvals (with the exact approve command), next update due')
    .argument('<id>', 'incident id')
    .option('--follow', 'follow live until the incident ends (Ctrl-C leaves it running)')
    .option('--json', 'print the status as JSON')
    .option('--by <name>', 'with --follow on a terminal: answer approval prompts as NAME (default $USER)')
    .action(async (id: string, raw: Record<string, unknown>) => {
      const options = parseOptions(StatusOptions, { ...raw, id }, ['id']);
      await withClient(ctx, async ({ client }) => {
        const status = await incidentStatus(client, options.id);
        if (options.json && !options.follow) return writeJson(ctx, status);
        ctx.stdout.write(formatStatus(status));
        if (!options.follow) return;
        const abort = new AbortController();
        const stop = () => {
          abort.abort();
          ctx.stderr.write(
            `\nStopped following; ${options.id} keeps running. Re-attach: runbook status ${options.id} --follow\n`,
          );
        };
        process.once('SIGINT', stop);
        try {
          const by = options.by ?? ctx.env.USER ?? 'operator';
          const interactive = Boolean(ctx.stdin.isTTY);
          const result = await followIncidentById(client, options.id, {
            print: (line) => ctx.stdout.write(`${line}\n`),
            signal: abort.signal,
            statusLine: terminalStatusLine(ctx),
            onApproval: interactive
              ? async (request) => {
                  const answer = await askApproval(ctx, request);
                  if (answer === 'skip') return;
                  const message = await decide(client, options.id, {
                    stepId: request.stepId,
                    by,
                    decision: answer === 'approve' ? 'approved' : 'rejected',
                  }).catch((err: Error) => err.message);
                  ctx.stderr.write(`${message}\n`);
                }
              : undefined,
          });
          if (result)
            ctx.stdout.write(
              `${options.id} ${result.state}. Postmortem: ${result.postmortemPath ?? '(not written)'}\n`,
            );
        } finally {
          process.removeListener('SIGINT', stop);
        }
      });
    });
}
