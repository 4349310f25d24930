// Part of `npm run bench`: the runbook's own Quick Triage shell script (bench/quick-triage.sh, copied
// verbatim, pointed at the simulator) against `runbook triage --base-url <simulator>`, each timed as
// a whole process, next to the physical limit: the slowest probe chain the simulator served.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startSimulator, type RecordedRequest } from '../src/simulator/index.ts';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 10);
const LATENCY_SCALE = Number(process.env.BENCH_LATENCY_SCALE ?? 0.05);
const ROOT = join(import.meta.dirname, '..');
const SCRIPT = join(import.meta.dirname, 'quick-triage.sh');
const CLI = join(ROOT, 'bin', 'runbook.js');

// The script's step 3 runs `nslookup`, which would ask the system resolver (not loopback) about the
// host. Where nslookup is absent the step prints "lookup failed" at no cost; where it is present the
// script only runs when BENCH_ALLOW_RESOLVER=1 says that resolver may be asked.
const hasNslookup = spawnSync('sh', ['-c', 'command -v nslookup'], { encoding: 'utf8' }).status === 0;
if (hasNslookup && process.env.BENCH_ALLOW_RESOLVER !== '1') {
  process.stderr.write(
    'nslookup is installed: the seed script would query the system resolver. Set BENCH_ALLOW_RESOLVER=1 to allow it.\n',
  );
  process.exit(2);
}

const sim = await startSimulator({ latencyScale: LATENCY_SCALE });
const env = {
  ...process.env,
  IDEOGRAM_API_KEY: 'bench-key',
  IDEOGRAM_BASE_URL: sim.baseUrl,
  IDEOGRAM_API_HOST: new URL(sim.baseUrl).hostname,
  NO_COLOR: '1',
};

function run(command: string, argv: string[]): Promise<{ ms: number; code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ ms: performance.now() - start, code, out }));
  });
}

interface Round {
  ms: number;
  /** Server-side latency of every request the round made (arrival → response), by endpoint. */
  requests: Array<{ endpoint: RecordedRequest['endpoint']; ms: number }>;
}

async function round(command: string, argv: string[]): Promise<Round> {
  sim.reset();
  const { ms, code, out } = await run(command, argv);
  if (code !== 0) throw new Error(`${command} ${argv.join(' ')} exited ${code}:\n${out}`);
  const requests = sim
    .requests()
    .map((r) => ({ endpoint: r.endpoint, ms: (r.respondedAt ?? r.arrivedAt) - r.arrivedAt }));
  return { ms, requests };
}

const variants = {
  seed: { label: 'seed script (bash + curl)', command: 'bash', argv: [SCRIPT] },
  engine: {
    label: 'runbook triage (node CLI)',
    command: process.execPath,
    argv: [CLI, 'triage', '--base-url', sim.baseUrl],
  },
  startup: { label: 'runbook --help (start-up only)', command: process.execPath, argv: [CLI, '--help'] },
} as const;
const rounds: Record<keyof typeof variants, Round[]> = { seed: [], engine: [], startup: [] };

// One warm-up each (file-system caches), then interleaved so background load hits all alike.
for (const v of Object.values(variants)) await round(v.command, [...v.argv]);
for (let i = 0; i < ITERATIONS; i += 1) {
  for (const [name, v] of Object.entries(variants))
    rounds[name as keyof typeof variants].push(await round(v.command, [...v.argv]));
}
await sim.stop();

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const p50 = (xs: number[]) => sorted(xs)[Math.ceil(0.5 * xs.length) - 1]!;
/** The slowest probe chain of a round: its slowest API call, plus the image download that follows a generate. */
const chain = (r: Round) =>
  Math.max(0, ...r.requests.filter((q) => q.endpoint !== 'images').map((q) => q.ms)) +
  Math.max(0, ...r.requests.filter((q) => q.endpoint === 'images').map((q) => q.ms));
/** What the same calls cost one after another (server side only). */
const serial = (r: Round) => r.requests.reduce((a, q) => a + q.ms, 0);

const summary = Object.fromEntries(
  (Object.keys(variants) as Array<keyof typeof variants>).map((name) => {
    const rs = rounds[name];
    return [
      name,
      {
        label: variants[name].label,
        n: rs.length,
        meanMs: Math.round(mean(rs.map((r) => r.ms))),
        p50Ms: Math.round(p50(rs.map((r) => r.ms))),
        minMs: Math.round(Math.min(...rs.map((r) => r.ms))),
        requestsPerRound: rs[0]!.requests.length,
        slowestChainMeanMs: Math.round(mean(rs.map(chain))),
        serialApiMeanMs: Math.round(mean(rs.map(serial))),
      },
    ];
  }),
) as Record<
  keyof typeof variants,
  {
    label: string;
    n: number;
    meanMs: number;
    p50Ms: number;
    minMs: number;
    requestsPerRound: number;
    slowestChainMeanMs: number;
    serialApiMeanMs: number;
  }
>;

const load = (await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
process.stdout.write(
  `\nseed comparison: whole processes against the simulator (healthy, latency x${LATENCY_SCALE}), n=${ITERATIONS} each, load average ${load}\n`,
);
process.stdout.write(
  `${'variant'.padEnd(32)} ${'mean'.padStart(8)} ${'p50'.padStart(8)} ${'min'.padStart(8)}  API calls  limit: slowest chain  limit: calls in series\n`,
);
for (const s of Object.values(summary)) {
  process.stdout.write(
    `${s.label.padEnd(32)} ${`${s.meanMs} ms`.padStart(8)} ${`${s.p50Ms} ms`.padStart(8)} ${`${s.minMs} ms`.padStart(8)}  ${String(s.requestsPerRound).padStart(9)}  ${`${s.slowestChainMeanMs} ms`.padStart(20)}  ${`${s.serialApiMeanMs} ms`.padStart(22)}\n`,
  );
}
const ratio = summary.engine.meanMs / summary.seed.meanMs;
process.stdout.write(
  `ratio engine/seed (mean wall time): ${ratio.toFixed(2)}; physical limit (slowest single probe chain, all probes at once): engine ${summary.engine.slowestChainMeanMs} ms, seed ${summary.seed.slowestChainMeanMs} ms; the seed runs its calls in series (${summary.seed.serialApiMeanMs} ms of API time)\n`,
);
process.stdout.write(
  `${JSON.stringify({ bench: 'seed-comparison', latencyScale: LATENCY_SCALE, iterations: ITERATIONS, loadAverage: load, ratioEngineOverSeed: Number(ratio.toFixed(2)), ...summary })}\n`,
);
