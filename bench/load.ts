// `npm run bench:load -- --incidents N`: N incidents of one provider outage at once, end to end.
//
// Starts a Temporal dev server (SQLite file in a temp dir: persistence is real), the simulator with
// an outage that never ends on its own (503 on both endpoints, status page "major"), and one worker
// in this process whose catalog names one service pointing at the simulator (record-only target,
// seeded deployment). Opens N incidents by service name with the drill's compressed timings,
// approves every pending approval through the same `decide` update the CLI uses, ends the outage
// once every incident has decided and is monitoring, waits for all to close, and reports latencies,
// resources, history sizes and whether the record-only cluster ends exactly as seeded.
//
// `--timings drill` (default) runs every incident on the drill's clock; `--timings burst` keeps the
// drill's decision path (confirmation re-checks 300 ms apart, 3 s probe timeouts) and monitors at
// the production cadence (status hint every 30 s backing off to 5 min, a real call at least every
// 10 min, SLA and updates as in production): what a burst of real incidents costs, without drill-speed
// polling of every open incident making the load.
//
// The simulator runs in a process of its own (bench/simulator-process.ts), so the worker's figures
// are the worker's. Its per-key in-flight limit is lifted (`--provider-inflight-limit`, default
// 1,000,000): N incidents probing one service with one key would otherwise be rate-limited by the
// simulated provider for real, and `rate_limited` would be the right verdict, not the load's.
//
// `--hold-min M` keeps the outage M minutes once every incident is monitoring: incidents asleep
// between polls at the production cadence, the state a worker's cache is sized for (`--cache C`
// below N). The worker's own metrics say how often a wake-up found its incident cached and what a
// workflow task cost (bench/worker-metrics.ts).
//
// `--server prod` runs the production topology instead (the real Temporal server on PostgreSQL,
// src/infra/prod-topology); `--workers K` polls the task queue with K workers (in this process,
// each with its own connection). `--eager-activities off` runs either server without eager activity
// dispatch, which both have on (src/infra/dev-server.ts, deploy/temporal/dynamicconfig.yaml).
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { Client, Connection } from '@temporalio/client';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { RecordOnlyTarget } from '../src/activities/kubernetes/index.ts';
import { ServiceCatalog } from '../src/activities/catalog.ts';
import { COMPRESSED_TIMINGS } from '../src/app/drill.ts';
import { IncidentTimingsSchema } from '../src/contract/incident.ts';
import { startIncident } from '../src/app/incidents.ts';
import { serviceFromConfig } from '../src/config/service-config.ts';
import { loadConfig, postmortemDir } from '../src/config/index.ts';
import {
  ApprovalPolicySchema,
  SEARCH_ATTRIBUTES,
  attentionOf,
  decideUpdate,
  type IncidentResult,
  type IncidentStart,
} from '../src/contract/index.ts';
import { startDevServer } from '../src/infra/dev-server.ts';
import { startProductionTopology } from '../src/infra/prod-topology/index.ts';
import { DYNAMIC_CONFIG_FILE } from '../src/infra/prod-topology/temporal-server.ts';
import { getRunbook } from '../src/runbooks/index.ts';
import { runbookTooling } from '../src/runbooks/tooling/index.ts';
import type { ScenarioPhase } from '../src/simulator/index.ts';
import { startSimulatorProcess } from './simulator-process.ts';
import { cacheReport, metricsBindAddress, readCacheCounters } from './worker-metrics.ts';
import { createIncidentWorker } from '../src/worker/create-worker.ts';
import { workflowThreadsHeap } from '../src/worker/workflow-threads.ts';
import { activityDepsFromConfig } from '../src/worker/deps.ts';
import { loadRunbookDocuments } from '../src/worker/runbook-documents.ts';
import type { IncidentHandle, IncidentWorkflow } from '../src/app/incident-workflow.ts';

const { values: args } = parseArgs({
  options: {
    incidents: { type: 'string', short: 'n', default: '10' },
    'latency-scale': { type: 'string', default: '0.01' },
    'poll-ms': { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '16' },
    'timeout-min': { type: 'string', default: '30' },
    'keep-dir': { type: 'boolean', default: false },
    /** `dev`: the Temporal CLI's dev server on SQLite; `prod`: the real server on PostgreSQL (npm run prod:local). */
    server: { type: 'string', default: 'dev' },
    /** Workers polling the one task queue (in this process, each with its own connection). */
    workers: { type: 'string', default: '1' },
    /** Each worker's workflow cache (maxCachedWorkflows); the worker's default when absent. */
    cache: { type: 'string' },
    /** `on`: the client shares the first worker's NativeConnection and starts incidents eagerly (requestEagerStart). */
    eager: { type: 'string', default: 'on' },
    /** `off`: the server without eager activity dispatch, for comparison (dev and production run with it). */
    'eager-activities': { type: 'string', default: 'on' },
    /** `drill`: the drill's compressed clock throughout; `burst`: the drill's decision path, production monitoring cadence. */
    timings: { type: 'string', default: 'drill' },
    /** The simulated provider's in-flight limit per API key (the simulator's own default is 10). */
    'provider-inflight-limit': { type: 'string', default: '1000000' },
    /** Minutes the outage lasts once every incident is monitoring: the production cadence, most incidents asleep. */
    'hold-min': { type: 'string', default: '0' },
    /** Open the incidents at this rate instead of all at once: a cache below N fills as it would in production. */
    'open-per-second': { type: 'string' },
  },
});
const N = Number(args.incidents);
const LATENCY_SCALE = Number(args['latency-scale']);
const POLL_MS = Number(args['poll-ms']);
const CONCURRENCY = Number(args.concurrency);
// Monotonic: this machine's wall clock can jump when it is resynchronised.
const DEADLINE = performance.now() + Number(args['timeout-min']) * 60_000;
if (!Number.isInteger(N) || N < 1) throw new Error(`--incidents must be a positive integer, got ${args.incidents}`);
const SERVER_KIND = args.server;
if (SERVER_KIND !== 'dev' && SERVER_KIND !== 'prod')
  throw new Error(`--server must be dev or prod, got ${args.server}`);
const WORKERS = Number(args.workers);
if (!Number.isInteger(WORKERS) || WORKERS < 1)
  throw new Error(`--workers must be a positive integer, got ${args.workers}`);
const CACHE = args.cache === undefined ? undefined : Number(args.cache);
if (CACHE !== undefined && (!Number.isInteger(CACHE) || CACHE < 1))
  throw new Error(`--cache must be a positive integer, got ${args.cache}`);
if (args.eager !== 'on' && args.eager !== 'off') throw new Error(`--eager must be on or off, got ${args.eager}`);
const EAGER = args.eager === 'on';
if (args['eager-activities'] !== 'on' && args['eager-activities'] !== 'off')
  throw new Error(`--eager-activities must be on or off, got ${args['eager-activities']}`);
const EAGER_ACTIVITIES = args['eager-activities'] === 'on';
const EAGER_ACTIVITIES_KEY = 'system.enableActivityEagerExecution';
const HOLD_MS = Number(args['hold-min']) * 60_000;
if (!Number.isFinite(HOLD_MS) || HOLD_MS < 0)
  throw new Error(`--hold-min must be a number of minutes ≥ 0, got ${args['hold-min']}`);
const OPEN_PER_SECOND = args['open-per-second'] === undefined ? Infinity : Number(args['open-per-second']);
if (!(OPEN_PER_SECOND > 0))
  throw new Error(`--open-per-second must be a positive number, got ${args['open-per-second']}`);
if (args.timings !== 'drill' && args.timings !== 'burst')
  throw new Error(`--timings must be drill or burst, got ${args.timings}`);
const PRODUCTION = IncidentTimingsSchema.parse({});
const TIMINGS =
  args.timings === 'drill'
    ? COMPRESSED_TIMINGS
    : {
        ...PRODUCTION,
        probeTimeoutMs: COMPRESSED_TIMINGS.probeTimeoutMs,
        confirmRounds: COMPRESSED_TIMINGS.confirmRounds,
        confirmIntervalMs: COMPRESSED_TIMINGS.confirmIntervalMs,
        rolloutTimeoutMs: COMPRESSED_TIMINGS.rolloutTimeoutMs,
      };

const APPROVER = 'bench-approver';
const SERVICE_KEY_ENV = 'BENCH_IDEOGRAM_KEY';
const OUTAGE: ScenarioPhase[] = [
  {
    name: 'outage-503-until-told',
    legacy: { status: 503, body: { error: 'Service Unavailable' } },
    v3: { status: 503, body: { error: 'Service Unavailable' } },
    statusPage: { indicator: 'major', description: 'Major System Outage' },
  },
];
const RECOVERED: ScenarioPhase[] = [{ name: 'recovered' }];

const log = (line: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CLK_TCK = 100; // Linux USER_HZ

/** Runs `fn` over `items` with at most `limit` at once. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

function procStat(pid: number): { cpuTicks: number; rssKb: number; hwmKb: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime is field 14, stime field 15.
    const cpuTicks = Number(fields[11]) + Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { cpuTicks, rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
  } catch {
    return null;
  }
}

/** CPU ticks of a process and its children (PostgreSQL's backends are the postmaster's children). */
function treeCpuTicks(pid: number): number {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    // No such process any more.
  }
  return [pid, ...children].reduce((sum, p) => sum + (procStat(p)?.cpuTicks ?? 0), 0);
}

function quantiles(samples: number[]): { n: number; p50: number; p95: number; max: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => (s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]! : NaN);
  return { n: s.length, p50: at(0.5), p95: at(0.95), max: s.length ? s[s.length - 1]! : NaN };
}

interface BenchServer {
  address: string;
  namespace: string;
  serverPid: number;
  postgresPid: number | null;
  stop(): Promise<void>;
}

/** The production dynamic config, or a copy in `dir` without eager activity dispatch. */
function prodDynamicConfig(dir: string): string {
  if (EAGER_ACTIVITIES) return DYNAMIC_CONFIG_FILE;
  const config = parseYaml(readFileSync(DYNAMIC_CONFIG_FILE, 'utf8')) as Record<string, unknown>;
  const file = join(dir, 'dynamicconfig.yaml');
  writeFileSync(file, stringifyYaml({ ...config, [EAGER_ACTIVITIES_KEY]: [{ value: false, constraints: {} }] }));
  return file;
}

async function startServer(kind: 'dev' | 'prod', dir: string): Promise<BenchServer> {
  if (kind === 'dev') {
    const dev = await startDevServer({
      uiPort: null,
      dbFile: join(dir, 'temporal.sqlite'),
      pidFile: join(dir, 'dev-server.pid'),
      dynamicConfig: { [EAGER_ACTIVITIES_KEY]: EAGER_ACTIVITIES },
    });
    return {
      address: dev.address,
      namespace: dev.namespace,
      serverPid: dev.serverPid,
      postgresPid: null,
      stop: () => dev.stop(),
    };
  }
  const prod = await startProductionTopology({ dataDir: join(dir, 'prod'), dynamicConfigFile: prodDynamicConfig(dir) });
  return {
    address: prod.address,
    namespace: prod.namespace,
    serverPid: prod.server().process.pid,
    postgresPid: prod.postgres.process.pid,
    stop: () => prod.stop(),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'runbook-bench-load-'));
// With --server prod as root, PostgreSQL runs as the postgres user and must reach its data dir here.
chmodSync(dir, 0o711);
const cleanups: Array<() => Promise<unknown>> = [];
let exitCode: number;
try {
  const load0 = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  log(`N=${N}, ${args.timings} timings, simulator latency x${LATENCY_SCALE}, temp dir ${dir}, load average ${load0}`);

  const metricsAddress = await metricsBindAddress();
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { metrics: { prometheus: { bindAddress: metricsAddress } } },
  });
  // The workflow bundle is built in a child process, so webpack does not count in the worker's RSS.
  const bundle = join(dir, 'workflow-bundle.js');
  execFileSync(process.execPath, [join(import.meta.dirname, '..', 'scripts', 'build-workflow-bundle.ts'), bundle], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const sim = await startSimulatorProcess({
    dir,
    phases: OUTAGE,
    latencyScale: LATENCY_SCALE,
    inflightLimit: Number(args['provider-inflight-limit']),
  });
  cleanups.push(() => sim.stop());
  const server = await startServer(SERVER_KIND, dir);
  cleanups.push(() => server.stop());
  log(
    `${SERVER_KIND} server ${server.address} (server pid ${server.serverPid}${server.postgresPid ? `, postgres pid ${server.postgresPid}` : ''}), simulator ${sim.baseUrl}, ${WORKERS} worker(s)`,
  );

  const config = loadConfig({ RUNBOOK_DATA_DIR: dir, RUNBOOK_NOTIFY_FILE: join(dir, 'notifications.jsonl') });
  loadRunbookDocuments();
  const runbook = getRunbook('ideogram');
  const { name: serviceName, ...configured } = serviceFromConfig(config, runbook);
  const seed = {
    namespace: configured.kubernetes.namespace,
    deployment: configured.kubernetes.deployment,
    ...runbookTooling(runbook.id).drill.seed({ name: serviceName, ...configured }),
  };
  const target = new RecordOnlyTarget({ seed: [seed] });
  const seeded = target.snapshot();
  const catalog = new ServiceCatalog([
    {
      name: serviceName,
      runbook: runbook.id,
      target: {
        ...configured,
        baseUrl: sim.baseUrl,
        statusPageUrl: sim.statusPageUrl,
        apiHost: 'localhost',
        apiKeyRef: { kind: 'env', name: SERVICE_KEY_ENV },
      },
      policy: ApprovalPolicySchema.parse({ approvers: [APPROVER], timeoutMs: 60 * 60_000 }),
      // Compressed time makes an hour's worth of real calls in a minute, for every incident.
      billedProbesPerHour: 1_000_000,
      allowedSecretRefs: [],
    },
  ]);
  const deps = activityDepsFromConfig(config, { [SERVICE_KEY_ENV]: 'bench-simulator-key' }, target, catalog);
  const taskQueue = `bench-load-${Date.now().toString(36)}`;
  const workerConnections: NativeConnection[] = [];
  for (let w = 0; w < WORKERS; w += 1) {
    const workerConnection = await NativeConnection.connect({ address: server.address });
    workerConnections.push(workerConnection);
    cleanups.push(() => workerConnection.close());
    const worker = await createIncidentWorker({
      connection: workerConnection,
      namespace: server.namespace,
      taskQueue,
      workflowBundlePath: bundle,
      deps: { ...deps, postmortem: { postmortemDir: postmortemDir(config) } },
      ...(CACHE ? { sizing: { maxCachedWorkflows: CACHE } } : {}),
    });
    const running = worker.run();
    cleanups.push(async () => {
      worker.shutdown();
      await running;
    });
  }
  // Eager start needs the client on a worker's own NativeConnection (the SDK refuses it otherwise).
  let client: Client;
  if (EAGER) {
    client = new Client({ connection: workerConnections[0]!, namespace: server.namespace });
  } else {
    const connection = await Connection.connect({ address: server.address });
    cleanups.push(() => connection.close());
    client = new Client({ connection, namespace: server.namespace });
  }

  // Resources: from here on (the worker is built: bundling is not counted).
  const cpu0 = process.cpuUsage();
  const server0 = procStat(server.serverPid);
  const simulator0 = procStat(sim.pid);
  const postgres0 = server.postgresPid ? treeCpuTicks(server.postgresPid) : null;
  const workerRssAtReady = process.memoryUsage().rss;
  const cacheAtReady = await readCacheCounters(metricsAddress);
  let workerPeakRss = workerRssAtReady;
  let workerPeakHeap = process.memoryUsage().heapUsed;
  let serverPeakRssKb = server0?.rssKb ?? 0;
  // The workflow threads' heap (the cached incidents), which the process's heap figures leave out.
  const workflowHeapPeak = { used: 0, size: 0 };
  const sampler = setInterval(() => {
    const memory = process.memoryUsage();
    workerPeakRss = Math.max(workerPeakRss, memory.rss);
    workerPeakHeap = Math.max(workerPeakHeap, memory.heapUsed);
    void workflowThreadsHeap().then(({ used, size }) => {
      workflowHeapPeak.used = Math.max(workflowHeapPeak.used, used);
      workflowHeapPeak.size = Math.max(workflowHeapPeak.size, size);
    });
    serverPeakRssKb = Math.max(serverPeakRssKb, procStat(server.serverPid)?.rssKb ?? 0);
  }, 500);
  cleanups.push(async () => clearInterval(sampler));

  // Open all N at once.
  const tag = Date.now().toString(36);
  const t0 = performance.now();
  const input: IncidentStart = {
    trigger: 'alert',
    reporter: 'bench',
    symptom: 'load bench: image generation failing with 503',
    service: serviceName,
    decisionThresholds: { slowP95Ms: 30_000 * LATENCY_SCALE },
    timings: TIMINGS,
  };
  interface Tracked {
    id: string;
    handle: IncidentHandle;
    startTime: number;
    firstRunId: string;
    decided: boolean;
    monitoring: boolean;
    approved: Set<string>;
    closed: boolean;
    result?: IncidentResult;
    error?: string;
  }
  let eagerlyStarted = 0;
  // Filled as incidents open: with --open-per-second, phase 1 approves the first while the rest open.
  const tracked: Tracked[] = [];
  const byId = new Map<string, Tracked>();
  let allOpened = false;
  const opening = Promise.all(
    Array.from({ length: N }, async (_, i) => {
      const id = `bench-load-${tag}-${String(i).padStart(4, '0')}`;
      if (Number.isFinite(OPEN_PER_SECOND)) await sleep((1000 * i) / OPEN_PER_SECOND);
      const handle = await startIncident(client, taskQueue, input, id, { eager: EAGER });
      if (handle.eagerlyStarted) eagerlyStarted += 1;
      const t: Tracked = {
        id,
        handle,
        startTime: NaN,
        firstRunId: '',
        decided: false,
        monitoring: false,
        approved: new Set<string>(),
        closed: false,
      };
      tracked.push(t);
      byId.set(id, t);
    }),
  ).then(() => {
    allOpened = true;
    log(`${N} incidents opened in ${(performance.now() - t0).toFixed(0)} ms (${eagerlyStarted} started eagerly)`);
  });
  let openingFailure: unknown;
  if (!Number.isFinite(OPEN_PER_SECOND)) await opening;
  else opening.catch((err: unknown) => (openingFailure = err));

  let approvals = 0;
  let approvalErrors = 0;
  /** Why approvals were refused or failed: the first few, each once. */
  const approvalRefusals = new Set<string>();
  const refused = (t: Tracked, stepId: string, why: string) => {
    approvalErrors += 1;
    if (approvalRefusals.size < 10) approvalRefusals.add(`${t.id} ${stepId}: ${why}`);
  };
  // Approves what the incident's memo says it waits for, as a human reading the list would.
  const approvePending = async ([t, pending]: [Tracked, string[]]) => {
    for (const stepId of pending) {
      if (t.approved.has(stepId)) continue;
      try {
        const answer = await t.handle.executeUpdate(decideUpdate, {
          args: [{ stepId, by: APPROVER, comment: 'load bench approval', decision: 'approved' }],
        });
        if (answer.accepted) {
          t.approved.add(stepId);
          approvals += 1;
        } else refused(t, stepId, answer.message);
      } catch (err) {
        refused(t, stepId, (err as Error).message);
      }
    }
  };

  // What visibility says about every running incident, memo included, in one paged list call per
  // round. No incident is queried: a query replays the whole history of an incident the worker's
  // cache has evicted, and the bench must not be the load.
  interface Visible {
    state?: string;
    cause?: string;
    pending: string[];
  }
  const runningNow = async (): Promise<Map<string, Visible>> => {
    const seen = new Map<string, Visible>();
    for await (const wf of client.workflow.list({ query: `ExecutionStatus = 'Running'`, pageSize: 1000 })) {
      if (!byId.has(wf.workflowId)) continue;
      const attrs = wf.typedSearchAttributes;
      seen.set(wf.workflowId, {
        state: attrs.get(SEARCH_ATTRIBUTES.state),
        cause: attrs.get(SEARCH_ATTRIBUTES.cause),
        pending: attentionOf(wf.memo).pendingSteps.map((p) => p.stepId),
      });
    }
    return seen;
  };
  const awaitingApproval = (visible: Map<string, Visible>): [Tracked, string[]][] =>
    tracked.flatMap((t) => {
      const pending = visible.get(t.id)?.pending.filter((stepId) => !t.approved.has(stepId)) ?? [];
      return pending.length > 0 ? [[t, pending] as [Tracked, string[]]] : [];
    });

  // Phase 1: approve, until every incident has decided and is monitoring.
  let lastLog = 0;
  while (!allOpened || !tracked.every((t) => t.decided && t.monitoring)) {
    if (openingFailure) throw openingFailure;
    if (performance.now() > DEADLINE) throw new Error('timed out before every incident was monitoring');
    const round = performance.now();
    const visible = await runningNow();
    for (const [id, v] of visible) {
      const t = byId.get(id)!;
      if (v.cause) t.decided = true;
      if (v.state === 'monitoring') t.monitoring = true;
    }
    await pool(awaitingApproval(visible), CONCURRENCY, approvePending);
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now();
      log(
        `decided ${tracked.filter((t) => t.decided).length}/${N}, monitoring ${tracked.filter((t) => t.monitoring).length}/${N}, approvals ${approvals}, worker RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB`,
      );
    }
    await sleep(Math.max(0, POLL_MS - (performance.now() - round)));
  }
  const monitoringAt = performance.now();
  const cacheAtMonitoring = await readCacheCounters(metricsAddress);
  await pool(tracked, CONCURRENCY, async (t) => {
    const d = await t.handle.describe();
    t.startTime = d.startTime.getTime();
    t.firstRunId = d.runId;
  });
  let hold: (ReturnType<typeof cacheReport> & { peakRssMb: number }) | null = null;
  if (HOLD_MS > 0) {
    log(
      `all ${N} monitoring after ${((monitoringAt - t0) / 1000).toFixed(1)} s: holding the outage ${HOLD_MS / 60_000} min`,
    );
    let holdPeakRss = process.memoryUsage().rss;
    const holdSampler = setInterval(() => (holdPeakRss = Math.max(holdPeakRss, process.memoryUsage().rss)), 500);
    while (performance.now() - monitoringAt < HOLD_MS) {
      if (performance.now() > DEADLINE) throw new Error('timed out while holding the outage');
      await pool(awaitingApproval(await runningNow()), CONCURRENCY, approvePending);
      await sleep(POLL_MS);
    }
    clearInterval(holdSampler);
    const seconds = (performance.now() - monitoringAt) / 1000;
    hold = {
      ...cacheReport(cacheAtMonitoring, await readCacheCounters(metricsAddress), seconds),
      peakRssMb: Math.round(holdPeakRss / 2 ** 20),
    };
    log(`held ${seconds.toFixed(0)} s: ${JSON.stringify(hold)}`);
  }
  const recoveredAt = performance.now();
  const recoveredEpoch = Date.now();
  await sim.setPhases(RECOVERED);
  log(`outage ended after ${((recoveredAt - t0) / 1000).toFixed(1)} s`);

  // Phase 2: wait for every incident to close (approving anything still asked for).
  while (!tracked.every((t) => t.closed)) {
    if (performance.now() > DEADLINE) throw new Error('timed out before every incident closed');
    const round = performance.now();
    const visible = await runningNow();
    await pool(awaitingApproval(visible), CONCURRENCY, approvePending);
    // Not listed as running: closed, or between two runs of a continued-as-new incident.
    await pool(
      tracked.filter((t) => !t.closed && !visible.has(t.id)),
      CONCURRENCY,
      async (t) => {
        const d = await t.handle.describe();
        if (d.status.name === 'RUNNING' || d.status.name === 'CONTINUED_AS_NEW') return;
        t.closed = true;
        try {
          t.result = await t.handle.result();
        } catch (err) {
          t.error = (err as Error).message;
        }
      },
    );
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now();
      log(
        `closed ${tracked.filter((t) => t.closed).length}/${N}, worker RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB`,
      );
    }
    await sleep(Math.max(0, POLL_MS - (performance.now() - round)));
  }
  const doneAt = performance.now();
  const cacheAtDone = await readCacheCounters(metricsAddress);
  clearInterval(sampler);
  const cpu = process.cpuUsage(cpu0);
  const server1 = procStat(server.serverPid);
  const simulator1 = procStat(sim.pid);
  const postgres1 = server.postgresPid ? treeCpuTicks(server.postgresPid) : null;
  workerPeakRss = Math.max(workerPeakRss, process.memoryUsage().rss);
  const wallS = (doneAt - t0) / 1000;
  log(`all closed after ${wallS.toFixed(1)} s; reading histories`);

  // History events per incident, across continue-as-new runs.
  const historyEvents: number[] = [];
  const eventsToDecision: number[] = [];
  const runsPerIncident: number[] = [];
  await pool(tracked, 8, async (t) => {
    let runId: string | undefined = t.firstRunId;
    let events = 0;
    let runs = 0;
    while (runId) {
      const history: Awaited<ReturnType<IncidentHandle['fetchHistory']>> = await client.workflow
        .getHandle<IncidentWorkflow>(t.id, runId)
        .fetchHistory();
      if (runs === 0) {
        // The decision is the first search-attribute upsert that carries the cause.
        const decided = (history.events ?? []).findIndex(
          (e) =>
            e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.[
              SEARCH_ATTRIBUTES.cause.name
            ],
        );
        if (decided >= 0) eventsToDecision.push(decided + 1);
      }
      events += history.events?.length ?? 0;
      if (args['keep-dir'] && t === tracked[0])
        writeFileSync(join(dir, `history-${t.id}-run${runs}.json`), JSON.stringify(history));
      runs += 1;
      const last = history.events?.[history.events.length - 1] ?? null;
      runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    }
    historyEvents.push(events);
    runsPerIncident.push(runs);
  });

  const at = (t: Tracked, kind: string) => t.result?.timeline.find((e) => e.kind === kind)?.at;
  const decisionMs = tracked.flatMap((t) => (at(t, 'decision') ? [Date.parse(at(t, 'decision')!) - t.startTime] : []));
  const resolvedAt = (t: Tracked) => {
    const entry = t.result!.timeline.find((e) => e.kind === 'state' && e.message.startsWith('resolved'));
    return entry ? Date.parse(entry.at) : Date.parse(t.result!.timeline[t.result!.timeline.length - 1]!.at);
  };
  const resolvedMs = tracked.flatMap((t) => (t.result?.state === 'resolved' ? [resolvedAt(t) - t.startTime] : []));
  const recoveryMs = tracked.flatMap((t) => (t.result?.state === 'resolved' ? [resolvedAt(t) - recoveredEpoch] : []));
  const resolved = tracked.filter((t) => t.result?.state === 'resolved').length;
  const failed = tracked
    .filter((t) => t.result?.state !== 'resolved')
    .map((t) => ({ id: t.id, state: t.result?.state ?? null, error: t.error ?? null }));
  const misclassified = tracked
    .filter((t) => t.result && t.result.cause !== 'provider_outage')
    .map((t) => ({ id: t.id, cause: t.result!.cause }));

  const final = target.snapshot();
  const envOf = (m: typeof seeded) =>
    JSON.stringify(
      Object.fromEntries(
        Object.entries(m.deployments).map(([k, d]) => [
          k,
          (d as { containers: Array<{ name: string; env: unknown }> }).containers.map((c) => [c.name, c.env]),
        ]),
      ),
    );
  const cronOf = (m: typeof seeded) =>
    JSON.stringify(Object.fromEntries(Object.entries(m.cronJobs).map(([k, c]) => [k, c.suspended])));
  const envIdentical = envOf(seeded) === envOf(final);
  const cronIdentical = cronOf(seeded) === cronOf(final);
  const secretsIdentical = JSON.stringify(seeded.secrets) === JSON.stringify(final.secrets);
  const clusterAsSeeded = envIdentical && cronIdentical && secretsIdentical;
  const mutations = tracked.map((t) => t.result?.mutations.length ?? 0);

  const serverCpuS = server0 && server1 ? (server1.cpuTicks - server0.cpuTicks) / CLK_TCK : NaN;
  const workerCpuS = (cpu.user + cpu.system) / 1e6;
  const report = {
    incidents: N,
    server: SERVER_KIND,
    workers: WORKERS,
    workflowCache: CACHE ?? 'default (300)',
    eager: { requested: EAGER, started: eagerlyStarted },
    eagerActivities: EAGER_ACTIVITIES,
    timings: args.timings,
    openPerSecond: Number.isFinite(OPEN_PER_SECOND) ? OPEN_PER_SECOND : 'all at once',
    providerInflightLimit: Number(args['provider-inflight-limit']),
    latencyScale: LATENCY_SCALE,
    loadAverageAtStart: load0,
    loadAverageAtEnd: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    wallSeconds: Number(wallS.toFixed(1)),
    outageEndedAfterSeconds: Number(((recoveredAt - t0) / 1000).toFixed(1)),
    startToDecisionMs: quantiles(decisionMs),
    openToResolvedMs: quantiles(resolvedMs),
    outageEndToResolvedMs: quantiles(recoveryMs),
    worker: {
      rssAtReadyMb: Math.round(workerRssAtReady / 2 ** 20),
      peakRssMb: Math.round(workerPeakRss / 2 ** 20),
      peakHeapUsedMb: Math.round(workerPeakHeap / 2 ** 20),
      workflowThreadsPeakHeapUsedMb: Math.round(workflowHeapPeak.used / 2 ** 20),
      workflowThreadsPeakHeapSizeMb: Math.round(workflowHeapPeak.size / 2 ** 20),
      heapLimitMb: Math.round(getHeapStatistics().heap_size_limit / 2 ** 20),
      maxRssMb: Math.round((process.resourceUsage().maxRSS * 1024) / 2 ** 20),
      cpuSeconds: Number(workerCpuS.toFixed(1)),
      cpuPercentOfOneCore: Math.round((100 * workerCpuS) / wallS),
    },
    temporalServer: {
      pid: server.serverPid,
      peakRssMb: Math.round(Math.max(serverPeakRssKb, server1?.hwmKb ?? 0) / 1024),
      cpuSeconds: Number(serverCpuS.toFixed(1)),
      cpuPercentOfOneCore: Math.round((100 * serverCpuS) / wallS),
      // The postmaster and its backends alive at the end (the server's connection pools keep them).
      postgresCpuSeconds:
        postgres0 !== null && postgres1 !== null ? Number(((postgres1 - postgres0) / CLK_TCK).toFixed(1)) : null,
    },
    simulatorCpuSeconds:
      simulator0 && simulator1 ? Number(((simulator1.cpuTicks - simulator0.cpuTicks) / CLK_TCK).toFixed(1)) : null,
    workflowCacheActivity: {
      untilAllMonitoring: cacheReport(cacheAtReady, cacheAtMonitoring, (monitoringAt - t0) / 1000),
      outageHeld: hold,
      wholeRun: cacheReport(cacheAtReady, cacheAtDone, wallS),
    },
    eventsToDecision: { median: quantiles(eventsToDecision).p50, max: quantiles(eventsToDecision).max },
    historyEventsPerIncident: {
      median: quantiles(historyEvents).p50,
      max: quantiles(historyEvents).max,
      runsMax: Math.max(...runsPerIncident),
    },
    approvals,
    approvalErrors,
    approvalRefusals: [...approvalRefusals],
    mutationsPerIncidentMedian: quantiles(mutations).p50,
    resolved,
    failed,
    misclassified,
    cluster: {
      envIdentical,
      cronJobsIdentical: cronIdentical,
      secretsIdentical,
      asSeeded: clusterAsSeeded,
      finalEnv: JSON.parse(envOf(final)) as unknown,
    },
  };

  const f = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : '—');
  const rows: Array<[string, string]> = [
    ['incidents', `${N} (resolved ${resolved}, failed ${failed.length}, misclassified ${misclassified.length})`],
    ['wall time', `${wallS.toFixed(1)} s (outage ended at ${report.outageEndedAfterSeconds} s)`],
    [
      'start → decision',
      `p50 ${f(report.startToDecisionMs.p50)}  p95 ${f(report.startToDecisionMs.p95)}  max ${f(report.startToDecisionMs.max)}`,
    ],
    [
      'open → resolved',
      `p50 ${f(report.openToResolvedMs.p50)}  p95 ${f(report.openToResolvedMs.p95)}  max ${f(report.openToResolvedMs.max)}`,
    ],
    [
      'outage end → res.',
      `p50 ${f(report.outageEndToResolvedMs.p50)}  p95 ${f(report.outageEndToResolvedMs.p95)}  max ${f(report.outageEndToResolvedMs.max)}`,
    ],
    [
      'worker process',
      `peak RSS ${report.worker.peakRssMb} MB (${report.worker.rssAtReadyMb} MB when ready; heap used ≤ ${report.worker.peakHeapUsedMb} of ${report.worker.heapLimitMb} MB; workflow threads' heap used ≤ ${report.worker.workflowThreadsPeakHeapUsedMb} of ${report.worker.workflowThreadsPeakHeapSizeMb} MB), CPU ${report.worker.cpuSeconds} s (${report.worker.cpuPercentOfOneCore}% of a core)`,
    ],
    [
      'temporal server',
      `${SERVER_KIND}: peak RSS ${report.temporalServer.peakRssMb} MB, CPU ${report.temporalServer.cpuSeconds} s (${report.temporalServer.cpuPercentOfOneCore}% of a core)${report.temporalServer.postgresCpuSeconds !== null ? `; PostgreSQL CPU ${report.temporalServer.postgresCpuSeconds} s` : ''}`,
    ],
    ['eager start', EAGER ? `${eagerlyStarted}/${N} incidents started eagerly` : 'off (--eager off)'],
    ['eager activities', EAGER_ACTIVITIES ? 'on' : 'off (--eager-activities off)'],
    [
      'workflow cache',
      `hit rate ${report.workflowCacheActivity.wholeRun.hitRate} over the run (${report.workflowCacheActivity.wholeRun.workflowTasksReplayed} tasks replayed, ${report.workflowCacheActivity.wholeRun.msPerWorkflowTask} ms per task)` +
        (hold
          ? `; outage held: hit rate ${hold.hitRate}, ${hold.workflowTasksPerSecond} tasks/s, ${hold.workerCpuMsPerWorkflowTask} ms of worker CPU each, peak RSS ${hold.peakRssMb} MB`
          : ''),
    ],
    ['events → decision', `median ${report.eventsToDecision.median} (max ${report.eventsToDecision.max})`],
    [
      'history events',
      `median ${report.historyEventsPerIncident.median} per incident (max ${report.historyEventsPerIncident.max}, up to ${report.historyEventsPerIncident.runsMax} runs)`,
    ],
    ['approvals', `${approvals} accepted, ${approvalErrors} refused/failed`],
    [
      'cluster as seeded',
      `${clusterAsSeeded ? 'yes' : 'NO'} (env ${envIdentical ? 'identical' : 'DIFFERS'}, cronjobs ${cronIdentical ? 'identical' : 'DIFFER'})`,
    ],
    ['load average', `${load0} → ${report.loadAverageAtEnd}`],
  ];
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(18)} ${v}\n`);
  process.stdout.write(`${JSON.stringify(report)}\n`);
  exitCode = failed.length === 0 && misclassified.length === 0 && clusterAsSeeded ? 0 : 1;
} catch (err) {
  log(`bench:load failed: ${(err as Error).stack ?? String(err)}`);
  exitCode = 1;
} finally {
  // Bounded: a worker shutting down under a backlog can wait on work that never finishes after a failure.
  for (const cleanup of cleanups.reverse()) await Promise.race([cleanup().catch(() => undefined), sleep(30_000)]);
  if (!args['keep-dir']) rmSync(dir, { recursive: true, force: true });
}
process.exit(exitCode);
