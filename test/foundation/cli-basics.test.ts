import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

describe('runbook CLI basics (real process)', () => {
  it('describes every command in --help', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    for (const command of ['dev', 'worker']) expect(stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
  });

  it('describes a command with <cmd> --help', async () => {
    const { code, stdout } = await runCli(['dev', '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('--ui-port');
    expect(stdout).toContain('--data-dir');
  });

  it('rejects an unknown command with exit 2 and a pointer to help', async () => {
    const { code, stderr } = await runCli(['frobnicate']);
    expect(code).toBe(2);
    expect(stderr).toContain("unknown command 'frobnicate'");
    expect(stderr).toContain('runbook --help');
  });

  it('rejects a bad flag with exit 2', async () => {
    const { code, stderr } = await runCli(['dev', '--no-such-flag']);
    expect(code).toBe(2);
    expect(stderr).toContain("unknown option '--no-such-flag'");
  });

  it('names the bad variable and exits 2 on invalid configuration, starting nothing', async () => {
    const { code, stderr, stdout } = await runCli(['dev'], { env: { RUNBOOK_UI_PORT: 'eighty' } });
    expect(code).toBe(2);
    expect(stderr).toMatch(/RUNBOOK_UI_PORT="eighty"/);
    expect(stdout).not.toContain('Temporal dev server');
  });

  it('runs on the system Node too, by re-executing under the project Node 24', async () => {
    const { code, stdout } = await runCli(['--help'], { node: 'node' });
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: runbook');
  });
});
