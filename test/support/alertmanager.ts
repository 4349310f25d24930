import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/infra/ports.ts';

export const ALERTMANAGER_BIN = process.env.ALERTMANAGER_PATH ?? '/usr/bin/prometheus-alertmanager';
export const ALERTMANAGER_HINT =
  `Prometheus Alertmanager not found at ${ALERTMANAGER_BIN}: the real-Alertmanager intake test is SKIPPED. ` +
  'Install it with `apt-get install prometheus-alertmanager` (or set ALERTMANAGER_PATH).';
export const alertmanagerAvailable = (): boolean => existsSync(ALERTMANAGER_BIN);

export interface RunningAlertmanager {
  url: string;
  /** Posts alerts to Alertmanager's own API, as Prometheus would. */
  postAlerts(
    alerts: Array<{
      labels: Record<string, string>;
      annotations?: Record<string, string>;
      endsAt?: string;
      generatorURL?: string;
    }>,
  ): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A private Alertmanager on free loopback ports (clustering off, its own storage), routing every
 * alert to `webhookUrl` grouped by runbook and service, with short waits so a test sees
 * notifications within seconds.
 */
export async function startAlertmanager(webhookUrl: string): Promise<RunningAlertmanager> {
  const dir = await mkdtemp(join(tmpdir(), 'alertmanager-'));
  const config = [
    'route:',
    '  receiver: runbook',
    '  group_by: [runbook, service]',
    '  group_wait: 200ms',
    '  group_interval: 1s',
    '  repeat_interval: 1h',
    'receivers:',
    '  - name: runbook',
    '    webhook_configs:',
    `      - url: ${webhookUrl}`,
    '        send_resolved: true',
    '',
  ].join('\n');
  await writeFile(join(dir, 'alertmanager.yml'), config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    ALERTMANAGER_BIN,
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(url, child, () => stderr);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    async postAlerts(alerts) {
      const response = await fetch(`${url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alerts),
      });
      if (!response.ok)
        throw new Error(`Alertmanager refused the alerts: HTTP ${response.status} ${await response.text()}`);
    },
    stop,
  };
}

async function waitUntilReady(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Alertmanager exited (${child.exitCode}): ${stderr()}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return;
    if (Date.now() > deadline) throw new Error(`Alertmanager not ready after 20 s: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
