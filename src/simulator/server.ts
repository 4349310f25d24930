import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { defaultRunbookId } from '../runbooks/index.ts';
import { runbookTooling, type RunbookTooling, type SimulatorProfile } from '../runbooks/tooling/index.ts';
import { asNodeLookup, simulatedLookup, type NodeLookup } from './dns.ts';
import { handleRequest } from './endpoints.ts';
import { send } from './http.ts';
import { PhaseTracker } from './phases.ts';
import { builtinScenario, parseScenarioPhases, type ScenarioPhase } from './scenarios.ts';
import type { RecordedRequest, SimulatorSettings, SimulatorState } from './state.ts';

export type { NodeLookup } from './dns.ts';
export type { RecordedRequest } from './state.ts';

export interface SimulatorOptions {
  /** Whose API to simulate: a runbook's simulator profile and scenarios (default: the engine's default runbook). */
  runbook?: string;
  /** The simulator profile and scenarios themselves, instead of a registered runbook's (a document not loaded). */
  tooling?: Pick<RunbookTooling, 'simulator' | 'scenarios'>;
  host?: string;
  port?: number;
  scenario?: string;
  phases?: ScenarioPhase[];
  /** Multiplies every latency: drills run at 0.05 (DRILL_LATENCY_SCALE), tests choose their own (0 where latency is beside the point). */
  latencyScale?: number;
  /** Signed image URLs expire after this long (the provider documents 24 h). */
  imageTtlMs?: number;
  /** Units (e.g. images) in flight per key before the profile's 429. */
  inflightLimit?: number;
  /** Keys the simulator accepts; default: any non-empty key. */
  validKeys?: string[];
  /** Tests drive time-based phases and URL expiry with their own clock. */
  now?: () => number;
}

export interface RunningSimulator {
  baseUrl: string;
  statusPageUrl: string;
  adminUrl: string;
  /** A host name that never resolves, for the dns-failure scenario. */
  unresolvableHost: string;
  /**
   * The simulated resolver: every name answers 127.0.0.1, except `unresolvableHost` and any name
   * while the current phase says `dns: "fail"` (ENOTFOUND). Give it to the probes (`dnsLookup`, and
   * an undici Agent's `connect.lookup` via `nodeLookup`) to let scenario files fail DNS.
   */
  lookup(hostname: string): Promise<{ address: string; family: 4 }>;
  nodeLookup: NodeLookup;
  setScenario(scenario: string | ScenarioPhase[]): void;
  currentPhase(): string;
  requests(): RecordedRequest[];
  reset(): void;
  stop(): Promise<void>;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const tooling = options.tooling ?? runbookTooling(options.runbook ?? defaultRunbookId());
  const profile: SimulatorProfile = tooling.simulator;
  const settings: SimulatorSettings = {
    latencyScale: options.latencyScale ?? 1,
    imageTtlMs: options.imageTtlMs ?? 24 * 3600_000,
    inflightLimit: options.inflightLimit ?? 10,
    validKeys: options.validKeys,
    now: options.now ?? Date.now,
  };
  const phases = new PhaseTracker(settings.now, (scenario) =>
    typeof scenario === 'string'
      ? builtinScenario(scenario, tooling.scenarios).phases
      : parseScenarioPhases(scenario, 'scenario', profile),
  );
  phases.set(options.phases ?? options.scenario ?? 'healthy');
  const state: SimulatorState = {
    profile,
    settings,
    phases,
    recorded: [],
    inflight: new Map(),
    images: new Map(),
    hung: new Set(),
    baseUrl: '',
  };
  const { server, sockets } = await listen(state, options.host ?? '127.0.0.1', options.port ?? 0);
  const lookup = simulatedLookup(profile.unresolvableHost, () => phases.current().dns === 'fail');
  return {
    baseUrl: state.baseUrl,
    statusPageUrl: `${state.baseUrl}${profile.endpoints.find((e) => e.kind === 'statusPage')?.path ?? '/status.json'}`,
    adminUrl: `${state.baseUrl}/__admin`,
    unresolvableHost: profile.unresolvableHost,
    lookup,
    nodeLookup: asNodeLookup(lookup),
    setScenario: (scenario) => phases.set(scenario),
    currentPhase: () => phases.name(),
    requests: () => state.recorded.map((r) => ({ ...r })),
    reset: () => {
      state.recorded.length = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const res of state.hung) res.destroy();
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Serves the simulator on `host:port` (0: any free port), tracking sockets so stop() can cut them. */
async function listen(state: SimulatorState, host: string, port: number) {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    void handleRequest(state, req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { error: `simulator error: ${(err as Error).message}` });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  state.baseUrl = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
  return { server, sockets };
}
