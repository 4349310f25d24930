#!/usr/bin/env node
// Part of `npm test`: makes sure the real Temporal server (built from the Go module proxy) exists
// for test/prod-topology (cached in ~/.cache after the first build). Without Go, that suite is
// skipped, loudly.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

if (process.env.RUNBOOK_SKIP_TEMPORAL_BUILD === '1') {
  console.warn(
    '[temporal-server] RUNBOOK_SKIP_TEMPORAL_BUILD=1: not building; test/prod-topology runs only if it is already cached.',
  );
  process.exit(0);
}
if (spawnSync('go', ['version']).status !== 0) {
  console.warn(
    '[temporal-server] ######## Go is not installed: the production-topology suite (test/prod-topology) will be SKIPPED. Install Go >= 1.26.8 and run `npm run prod:binaries`. ########',
  );
  process.exit(0);
}
const result = spawnSync('bash', [resolve(import.meta.dirname, 'build-temporal-server.sh')], { stdio: 'inherit' });
process.exit(result.status ?? 1);
