// `npm run bench`: wall time of the Quick Triage, concurrent (as the engine runs it) vs the runbook
// page's script one after another, against the simulator with provider-like latencies scaled 1:20.
import { performance } from 'node:perf_hooks';
import { executeProbe } from '../src/activities/probes/execute.ts';
import { runProbeRound } from '../src/activities/probes/index.ts';
import { ProbeSpecSchema, timingResult, type ProbeResult, type ProbeTarget } from '../src/contract/index.ts';
import { getRunbook } from '../src/runbooks/index.ts';
import { startSimulator } from '../src/simulator/index.ts';
import { loadRunbookDocuments } from '../src/worker/runbook-documents.ts';

loadRunbookDocuments();
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20);
const LATENCY_SCALE = Number(process.env.BENCH_LATENCY_SCALE ?? 0.05);

const sim = await startSimulator({ latencyScale: LATENCY_SCALE });
const target: ProbeTarget = {
  baseUrl: sim.baseUrl,
  statusPageUrl: sim.statusPageUrl,
  apiHost: 'localhost',
  apiKeyRef: { kind: 'env', name: 'BENCH_KEY' },
};
const deps = { secrets: { env: { BENCH_KEY: 'bench-key' } } };
const specs = getRunbook('ideogram').triageProbes.map((p) => ProbeSpecSchema.parse(p));

async function measure(name: string, run: () => Promise<unknown>): Promise<void> {
  const samples: number[] = [];
  for (let i = 0; i < ITERATIONS; i += 1) {
    const start = performance.now();
    await run();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.ceil(q * samples.length) - 1)]!.toFixed(1);
  const mean = (samples.reduce((a, b) => a + b, 0) / samples.length).toFixed(1);
  process.stdout.write(`${name.padEnd(28)} n=${ITERATIONS}  mean ${mean} ms  p50 ${at(0.5)} ms  p95 ${at(0.95)} ms\n`);
}

process.stdout.write(
  `quick triage: ${specs.length} probes (${specs.filter((s) => s.kind !== 'timing').length} calls), simulated latency x${LATENCY_SCALE}\n`,
);
await measure('concurrent (engine)', () =>
  runProbeRound(specs, (spec, extracted) => executeProbe(spec, target, extracted, deps)),
);
await measure('sequential (seed script)', async () => {
  const extracted: Record<string, string | undefined> = {};
  const done: ProbeResult[] = [];
  for (const spec of specs) {
    // A timing reads the call it times, as in the engine: no call of its own.
    const result =
      spec.kind === 'timing'
        ? timingResult(
            spec,
            done.find((r) => r.probe === spec.after),
          )
        : await executeProbe(spec, target, extracted, deps);
    done.push(result);
    extracted[spec.id] = result.extractedUrl;
  }
});
await sim.stop();
