import { Writable } from 'node:stream';
import { Client, Connection, type WorkflowClientInterceptor } from '@temporalio/client';
import { currentAlertIncidentId } from '../../src/app/alerts.ts';
import type { IncidentHandle, IncidentWorkflow } from '../../src/app/incident-workflow.ts';
import { loadConfig } from '../../src/config/index.ts';
import { catalogFromConfig } from '../../src/config/service-catalog.ts';
import { statusQuery, timelineQuery, type TimelineEntry } from '../../src/contract/index.ts';
import { createLogger } from '../../src/infra/logger.ts';
import { startConsole, type RunningConsole } from '../../src/server/serve.ts';
import type { ScenarioPhase } from '../../src/simulator/index.ts';
import { cliEnvironment, startHarness, type Harness } from './incident-harness.ts';
import { startTcpGate, type TcpGate } from './tcp-gate.ts';
import { temporalAddress, temporalNamespace } from './temporal.ts';

/** An outage that lasts: alert incidents stay open while a test looks at them. */
const LASTING_OUTAGE: ScenarioPhase[] = [
  { legacy: { status: 500 }, v3: { status: 500 }, statusPage: { indicator: 'major' } },
];

export interface IntakeHarness {
  h: Harness;
  console: RunningConsole;
  /** With `throughGate`: the relay between the service and Temporal, to hold the service's calls. */
  gate: TcpGate | null;
  /** Every log line the service wrote, as text: refusals must not echo bodies or secrets. */
  logText(): string;
  /** The newest incident alerts for the catalog's one service (ideogram-service) opened or joined. */
  incident(): Promise<IncidentHandle>;
  post(
    path: string,
    body: string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: { accepted?: number; error?: string } }>;
  alertEntries(): Promise<TimelineEntry[]>;
  /** How many alerts the incident received (its timeline keeps the first few of each fingerprint). */
  alertsReceived(): Promise<number>;
  /** Polls until the incident received `count` alerts; answers the alert entries its timeline keeps. */
  waitForAlerts(count: number): Promise<TimelineEntry[]>;
  close(): Promise<void>;
}

/**
 * The service (console + intake) on a harness worker. `throughGate`: the service reaches Temporal
 * through a TCP relay the test can hold (and `serviceInterceptors` see its calls, to cut the relay
 * at a chosen one); `mode`: as `runbook dev` on its own dev server would start it.
 */
export async function startIntakeHarness(
  env: NodeJS.ProcessEnv = {},
  options: {
    throughGate?: boolean;
    mode?: 'local-dev-server' | 'service';
    phases?: ScenarioPhase[];
    serviceInterceptors?: WorkflowClientInterceptor[];
  } = {},
): Promise<IntakeHarness> {
  const h = await startHarness({ phases: options.phases ?? LASTING_OUTAGE });
  const fullEnv = { ...cliEnvironment(h, temporalAddress()), ...env };
  const gate = options.throughGate ? await startTcpGate(temporalAddress()) : null;
  const gated = gate ? await Connection.connect({ address: gate.address }) : null;
  const serviceClient = gated
    ? new Client({
        connection: gated,
        namespace: temporalNamespace(),
        interceptors: { workflow: options.serviceInterceptors ?? [] },
      })
    : h.client;
  const lines: string[] = [];
  const destination = new Writable({
    write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()),
  });
  const logger = createLogger({ level: 'debug', format: 'json', destination });
  const config = loadConfig(fullEnv);
  const running = await startConsole({
    client: serviceClient,
    config,
    catalog: catalogFromConfig(config),
    env: fullEnv,
    logger,
    port: 0,
    ...(options.mode ? { mode: options.mode } : {}),
  });
  const incident = async () =>
    h.client.workflow.getHandle<IncidentWorkflow>(
      await currentAlertIncidentId(h.client, { runbook: 'ideogram', service: 'ideogram-service' }, h.taskQueue),
    );
  const alertEntries = async () => (await (await incident()).query(timelineQuery)).filter((e) => e.kind === 'alert');
  // Counted by the incident itself: its timeline keeps only the first few alerts of each fingerprint.
  const alertsReceived = async () => (await (await incident()).query(statusQuery)).alertsReceived;
  return {
    h,
    console: running,
    gate,
    logText: () => lines.join(''),
    incident,
    async post(path, body, headers = {}) {
      const response = await fetch(new URL(path, running.url), {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...headers },
      });
      return { status: response.status, body: (await response.json()) as { accepted?: number; error?: string } };
    },
    alertEntries,
    alertsReceived,
    async waitForAlerts(count) {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const received = await alertsReceived().catch(() => 0);
        if (received >= count) return alertEntries();
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} alerts; ${received} received`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      await (await incident()).terminate('test over').catch(() => undefined);
      gate?.release();
      await running.close();
      await gated?.close();
      await gate?.close();
      await h.close();
    },
  };
}

/** An Alertmanager v4 webhook body with these alerts (the fields Alertmanager sends). */
export function alertmanagerBody(
  alerts: Array<{
    status?: 'firing' | 'resolved';
    labels?: Record<string, string>;
    summary?: string;
    fingerprint: string;
  }>,
): string {
  return JSON.stringify({
    version: '4',
    groupKey: '{}:{alertname="IdeogramDown"}',
    truncatedAlerts: 0,
    status: alerts.every((a) => a.status === 'resolved') ? 'resolved' : 'firing',
    receiver: 'runbook',
    groupLabels: { alertname: 'IdeogramDown' },
    commonLabels: { alertname: 'IdeogramDown' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example:9093',
    alerts: alerts.map((a) => ({
      status: a.status ?? 'firing',
      labels: { alertname: 'IdeogramDown', ...a.labels },
      annotations: { summary: a.summary ?? 'Ideogram generate calls failing' },
      startsAt: '2026-11-25T10:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.example:9090/graph?g0.expr=up',
      fingerprint: a.fingerprint,
    })),
  });
}
