import { createInterface } from 'node:readline/promises';
import type { ApprovalRequest } from '../contract/index.ts';
import type { CliContext } from './context.ts';

/** A status line that rewrites itself on a terminal; nothing elsewhere (one line per event instead). */
export function terminalStatusLine(ctx: CliContext): ((text: string | null) => void) | undefined {
  const out = ctx.stderr as NodeJS.WriteStream;
  if (!out.isTTY) return undefined;
  let shown = false;
  return (text) => {
    if (text === null) {
      if (shown) out.write('\r\x1b[2K');
      shown = false;
      return;
    }
    out.write(`\r\x1b[2K${text.slice(0, (out.columns ?? 120) - 1)}`);
    shown = true;
  };
}

/** The interactive approval prompt; sends nothing itself, the caller sends the same signal as `runbook approve`. */
export async function askApproval(ctx: CliContext, request: ApprovalRequest): Promise<'approve' | 'reject' | 'skip'> {
  const rl = createInterface({ input: ctx.stdin, output: ctx.stderr });
  try {
    const answer = await rl.question(
      `\n${request.stepId}: ${request.description}\n${request.kubectl ? `  ${request.kubectl}\n` : ''}[a]pprove / [r]eject / [s]kip and wait? `,
    );
    const a = answer.trim().toLowerCase();
    return a.startsWith('a') ? 'approve' : a.startsWith('r') ? 'reject' : 'skip';
  } finally {
    rl.close();
  }
}
