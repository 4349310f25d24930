import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../src/infra/ports.ts';
import { ConsoleSession } from '../support/console-client.ts';
import { alertmanagerBody } from '../support/intake-harness.ts';
import { NODE, RUNBOOK_BIN, runCli } from '../support/cli.ts';
import { temporalAddress } from '../support/temporal.ts';

/** Starts `runbook <args>` and reads stdout until the console's login link is printed. */
async function untilLoginLink(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; exited: Promise<unknown[]>; stdout: string; link: string }> {
  const child = spawn(NODE, [RUNBOOK_BIN, ...args], {
    env: { ...process.env, RUNBOOK_LOG_FORMAT: 'json', RUNBOOK_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit');
  let stdout = '';
  while (!/Sign in .*: (\S+)\n/.test(stdout)) {
    const [chunk] = (await Promise.race([once(child.stdout!, 'data'), exited.then(() => [null])])) as [Buffer | null];
    if (!chunk) throw new Error(`runbook ${args[0]} exited before it was ready: ${stdout}`);
    stdout += chunk.toString();
  }
  return { child, exited, stdout, link: /Sign in .*: (\S+)\n/.exec(stdout)![1]! };
}

describe('runbook serve (real process)', () => {
  it('refuses to listen beyond loopback without OpenID Connect, starting nothing', async () => {
    const run = await runCli(['serve', '--host', '0.0.0.0'], { env: { TEMPORAL_ADDRESS: temporalAddress() } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('RUNBOOK_CONSOLE_HOST=0.0.0.0');
    expect(run.stderr).toContain('RUNBOOK_OIDC_ISSUER');
    expect(run.stdout).not.toContain('Incident console:');
  });

  it('prints its URL and a one-time link that signs the local user in, and stops on SIGTERM', async () => {
    const port = await freePort();
    const { child, exited, stdout, link } = await untilLoginLink(['serve', '--port', String(port)], {
      TEMPORAL_ADDRESS: temporalAddress(),
      USER: 'olivia',
    });
    try {
      expect(stdout).toContain(`Incident console: http://127.0.0.1:${port}`);
      const browser = new ConsoleSession(`http://127.0.0.1:${port}`);
      expect(await browser.signIn(link)).toMatchObject({ status: 302, location: '/' });
      const list = await browser.get('/');
      expect(list.status).toBe(200);
      expect(list.body).toContain('olivia (approver, local login)');
      // Security headers on every page (helmet): scripts only from the console itself.
      const page = await fetch(`http://127.0.0.1:${port}/login`);
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await exited;
    expect(code).toBe(0);
  });

  it('runbook dev serves the console too, printing its URL and a login link', async () => {
    const [grpcPort, consolePort] = [await freePort(), await freePort()];
    const dataDir = await mkdtemp(join(tmpdir(), 'dev-console-'));
    const { child, exited, stdout, link } = await untilLoginLink(
      ['dev', '--port', String(grpcPort), '--no-ui', '--data-dir', dataDir],
      {
        TEMPORAL_ADDRESS: '',
        RUNBOOK_CONSOLE_PORT: String(consolePort),
        RUNBOOK_DATA_DIR: dataDir,
        USER: 'olivia',
      },
    );
    try {
      expect(stdout).toContain(`Incident console: http://127.0.0.1:${consolePort}`);
      const browser = new ConsoleSession(`http://127.0.0.1:${consolePort}`);
      expect(await browser.signIn(link)).toMatchObject({ status: 302, location: '/' });
      expect((await browser.get('/incidents/new')).body).toContain('Open the incident');
    } finally {
      child.kill('SIGTERM');
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('reads the services file once: pages and alerts use the catalog of its start until it restarts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'serve-catalog-'));
    const servicesFile = join(dir, 'services.yaml');
    const service = (name: string) =>
      `- name: ${name}\n  runbook: ideogram\n  target: {baseUrl: https://api.ideogram.ai, apiKeyRef: {kind: env, name: IDEOGRAM_API_KEY}, kubernetes: {namespace: payments, deployment: ${name}}}\n`;
    await writeFile(servicesFile, service('alpha-service'));
    const port = await freePort();
    const env = { TEMPORAL_ADDRESS: temporalAddress(), USER: 'olivia', RUNBOOK_SERVICES_FILE: servicesFile };
    const { child, exited, link } = await untilLoginLink(['serve', '--port', String(port)], env);
    try {
      const browser = new ConsoleSession(`http://127.0.0.1:${port}`);
      await browser.signIn(link);
      expect((await browser.get('/incidents/new')).body).toContain('alpha-service');
      await writeFile(servicesFile, service('beta-service'));
      const form = (await browser.get('/incidents/new')).body;
      expect(form).toContain('alpha-service');
      expect(form).not.toContain('beta-service');
      // The intake routes by the same catalog: the service the file names now is not known to it.
      const alert = await fetch(`http://127.0.0.1:${port}/hooks/alertmanager`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: alertmanagerBody([{ labels: { service: 'beta-service' }, fingerprint: 'fp-beta' }]),
      });
      expect(alert.status).toBe(422);
      expect(await alert.json()).toEqual({ error: expect.stringContaining('the catalog has alpha-service') });
    } finally {
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    }
  });
});
