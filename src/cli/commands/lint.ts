import type { Command } from 'commander';
import { readRunbookDocumentFile } from '../../worker/runbook-documents.ts';
import { describeProblem } from '../../runbooks/documents/validate.ts';
import type { CliContext } from '../context.ts';
import { EXIT, QuietExit } from '../errors.ts';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('lint')
    .description(
      'Validate runbook documents (docs/runbooks.md): every problem with its JSON path; exit 2 when any file has one',
    )
    .argument('<files...>', 'runbook documents (YAML or JSON)')
    .action((files: string[]) => {
      let bad = 0;
      for (const file of files) {
        const reading = readRunbookDocumentFile(file);
        if (reading.ok) {
          ctx.stdout.write(
            `${file}: ok — runbook ${reading.pin.id} version ${reading.pin.version}, sha256 ${reading.pin.sha256.slice(0, 12)}\n`,
          );
          continue;
        }
        bad += 1;
        for (const problem of reading.problems) ctx.stderr.write(`${file}: ${describeProblem(problem)}\n`);
      }
      if (bad > 0) throw new QuietExit(EXIT.usage);
    });
}
