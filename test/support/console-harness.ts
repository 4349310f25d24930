import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Logger } from 'pino';
import { loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/infra/logger.ts';
import { startConsole, type RunningConsole } from '../../src/server/serve.ts';
import type { ActivityDeps } from '../../src/activities/index.ts';
import { ServiceCatalog } from '../../src/activities/catalog.ts';
import { catalogFromConfig } from '../../src/config/service-catalog.ts';
import { ideogramTooling } from './ideogram.ts';
import { cliEnvironment, startHarness, type Harness } from './incident-harness.ts';
import { temporalAddress } from './temporal.ts';

export interface ConsoleHarness {
  h: Harness;
  console: RunningConsole;
  /** Reported by alice, waiting for the enable-fallback approval. */
  incident: WorkflowHandle;
  close(): Promise<void>;
}

/**
 * The outage-500 scenario's outage, lasting until a test ends it (`h.sim.setScenario(RECOVERED)`).
 * The built-in scenario recovers after a number of requests, and the incident's monitoring makes
 * requests while it waits for a human: on a slow machine a page approving late would find the
 * provider recovered and, rightly, no fallback applied.
 */
const { requests: _ends, ...outage500 } = ideogramTooling().scenarios['outage-500']!.phases[0]!;
export const LASTING_OUTAGE_500 = [outage500];
export const RECOVERED = [{ name: 'recovered' }];

/** A real worker and simulator (an outage that lasts), the console in front of them (in dev mode if asked), and one incident waiting for approval. */
export async function startConsoleHarness(
  options: {
    env?: NodeJS.ProcessEnv;
    port?: number;
    deps?: Partial<ActivityDeps>;
    logger?: Logger;
    devMode?: boolean;
    shareCatalog?: boolean;
  } = {},
): Promise<ConsoleHarness> {
  // shareCatalog: the console offers and checks against the worker's own catalog (the services the harness registers).
  const catalog = options.shareCatalog ? (options.deps?.catalog ?? new ServiceCatalog([])) : undefined;
  const h = await startHarness({
    phases: LASTING_OUTAGE_500,
    deps: catalog ? { ...options.deps, catalog } : options.deps,
  });
  // Drills (dev mode) write their postmortems and notifications under the data dir: the harness's own.
  const env = { ...cliEnvironment(h, temporalAddress()), USER: 'alice', RUNBOOK_DATA_DIR: h.dir, ...options.env };
  const config = loadConfig(env);
  const running = await startConsole({
    client: h.client,
    config,
    env,
    // DEBUG_CONSOLE_LOG=error (or info, debug) shows the console's log, e.g. why a page answered 500.
    logger:
      options.logger ??
      createLogger({ level: (process.env.DEBUG_CONSOLE_LOG as 'error' | undefined) ?? 'silent', format: 'json' }),
    port: options.port ?? 0,
    devMode: options.devMode,
    // Otherwise the console's own, built from the configuration as `runbook serve` builds it.
    catalog: catalog ?? catalogFromConfig(config),
  });
  // Monitoring makes a real check every 500 ms while people click through the pages: the default
  // hourly budget of billed calls would be spent before the test ends the outage.
  const incident = await h.start({
    reporter: 'alice',
    symptom: 'image generation failing',
    billedProbesPerHour: 100_000,
  });
  await h.waitFor(
    incident,
    (s) => s.pendingApprovals.some((a) => a.stepId === 'enable-fallback'),
    'the enable-fallback approval',
  );
  return {
    h,
    console: running,
    incident,
    async close() {
      await incident.terminate('test over').catch(() => undefined);
      await running.close();
      await h.close();
    },
  };
}

/** One more console on a harness's Temporal and worker, as `runbook serve` starts it: its own client, variables or dev mode. */
export function startConsoleOn(
  h: Harness,
  options: { client?: Client; env?: NodeJS.ProcessEnv; devMode?: boolean } = {},
): Promise<RunningConsole> {
  const env = { ...cliEnvironment(h, temporalAddress()), USER: 'alice', RUNBOOK_DATA_DIR: h.dir, ...options.env };
  return startConsoleWith(options.client ?? h.client, env, options.devMode);
}

/** A console as `runbook serve` starts it from these variables, on `client`. */
export function startConsoleWith(client: Client, env: NodeJS.ProcessEnv, devMode?: boolean): Promise<RunningConsole> {
  const config = loadConfig(env);
  return startConsole({
    client,
    config,
    catalog: catalogFromConfig(config),
    env,
    logger: createLogger({ level: 'silent', format: 'json' }),
    port: 0,
    devMode,
  });
}

/** The signals and updates an incident received, from its history: what reached the workflow at all. */
export async function signalsAndUpdates(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((e) => {
    if (e.workflowExecutionSignaledEventAttributes)
      return [`signal:${e.workflowExecutionSignaledEventAttributes.signalName}`];
    if (e.workflowExecutionUpdateAcceptedEventAttributes) return ['update'];
    return [];
  });
}

/**
 * Waits until the incident's history shows `signal`: a signal that arrives during a workflow task
 * is buffered by the server and written to history only when that task completes.
 */
export async function waitForSignal(handle: WorkflowHandle, signal: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await signalsAndUpdates(handle)).includes(`signal:${signal}`)) {
    if (Date.now() > deadline) throw new Error(`no ${signal} signal in the history of ${handle.workflowId}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The argument of the first accepted update (the console's approve/reject), as the server stored it. */
export async function firstUpdateInput(handle: WorkflowHandle): Promise<unknown> {
  const history = await handle.fetchHistory();
  const accepted = history.events!.find((e) => e.workflowExecutionUpdateAcceptedEventAttributes)!;
  return JSON.parse(
    Buffer.from(
      accepted.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest!.input!.args!.payloads![0]!.data!,
    ).toString(),
  );
}
