import { Counter } from 'prom-client';

/**
 * Billed calls this process made to providers (each one costs money or quota): one per probe
 * result marked `billed`, whether the provider answered or the call failed on the way. Registered
 * in no registry here; the worker's /metrics registers it (src/worker/metrics.ts).
 */
export const billedProbeCalls = new Counter({
  name: 'runbook_probe_billed_calls_total',
  help: 'Billed probe calls made to providers by this worker, by provider host and probe.',
  labelNames: ['host', 'probe'],
  registers: [],
});
