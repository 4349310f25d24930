import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.ts';
import type { CliContext } from '../../src/cli/context.ts';
import { runCli } from '../support/cli.ts';

const sink = { write: () => true } as unknown as CliContext['stdout'];
const ctx: CliContext = { env: {}, stdout: sink, stderr: sink, stdin: process.stdin };

/** Every module URL a real `runbook …` process resolved, recorded by a module hook at exit. */
async function modulesLoadedBy(args: string[]): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'runbook-lazy-'));
  const hook = join(dir, 'record-modules.mjs');
  const out = join(dir, 'modules.txt');
  writeFileSync(
    hook,
    `import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';
const seen = new Set();
registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.add(r.url); return r; } });
process.on('exit', () => writeFileSync(${JSON.stringify(out)}, [...seen].join('\\n')));
`,
  );
  const run = await runCli(args, { env: { NODE_OPTIONS: `--import ${pathToFileURL(hook).href}` } });
  expect(run.code, run.stderr).toBe(0);
  return readFileSync(out, 'utf8').split('\n');
}

describe('the CLI loads only the command it runs', () => {
  it('registers each command alone under its own name, and all of them for help', async () => {
    const all = (await buildProgram(ctx)).commands.map((c) => c.name());
    expect(all.length).toBeGreaterThan(15);
    for (const name of all) {
      const alone = (await buildProgram(ctx, name)).commands.map((c) => c.name());
      expect(alone, `runbook ${name}`).toContain(name);
      expect(alone.length, `runbook ${name} loads only its own module`).toBeLessThanOrEqual(2);
    }
    expect((await buildProgram(ctx, 'no-such-command')).commands.map((c) => c.name())).toEqual(all);
  });

  it('runbook triage starts without the Temporal SDK, the Kubernetes client or the web server', async () => {
    const triage = await modulesLoadedBy(['triage', '--help']);
    expect(triage.some((url) => url.endsWith('/src/cli/commands/triage.ts'))).toBe(true);
    for (const heavy of ['@temporalio/client', '@temporalio/worker', '@kubernetes/client-node', '/fastify/']) {
      expect(
        triage.filter((url) => url.includes(heavy)),
        heavy,
      ).toEqual([]);
    }
    // The same hook sees them when every command is loaded, so the check above can fail.
    const help = await modulesLoadedBy(['--help']);
    expect(help.some((url) => url.includes('@temporalio/client'))).toBe(true);
    expect(help.some((url) => url.includes('@kubernetes/client-node'))).toBe(true);
  });
});
