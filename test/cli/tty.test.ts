import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE, RUNBOOK_BIN } from '../support/cli.ts';
import { temporalAddress } from '../support/temporal.ts';

// `script` (util-linux) gives the CLI a real pseudo-terminal, as a person's shell would.
describe('runbook drill on a terminal', () => {
  it('shows a live status line and asks at each approval; the answer is sent as the approve signal', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tty-'));
    const child = spawn('script', ['-qfec', `${NODE} ${RUNBOOK_BIN} drill partial-outage`, '/dev/null'], {
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: temporalAddress(),
        RUNBOOK_DATA_DIR: dataDir,
        USER: 'tty-tester',
        IDEOGRAM_API_KEY: 'tty-key',
        COLUMNS: '200',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    child.stdout.on('data', (d: Buffer) => (screen += d.toString()));
    while (!screen.includes('[a]pprove / [r]eject / [s]kip')) {
      const [chunk] = (await Promise.race([once(child.stdout, 'data'), once(child, 'exit').then(() => [null])])) as [
        Buffer | null,
      ];
      if (chunk === null) throw new Error(`drill ended before asking:\n${screen}`);
    }
    child.stdin.write('a\n');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(screen).toMatch(/P2 partial_outage — awaiting_approval: waiting for confirm-partial/);
    expect(screen).toContain('confirm-partial-outage-handled approved by tty-tester');
    expect(screen).toContain('Drill partial-outage: P2 partial_outage → resolved');
  }, 90_000);
});
