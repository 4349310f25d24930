#!/usr/bin/env node
// Part of `npm test`: makes sure the real kube-apiserver and etcd exist for test/real-kube (cached
// in ~/.cache after the first build). Without Go, the real-apiserver suite is skipped, loudly.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

if (process.env.RUNBOOK_SKIP_KUBE_BUILD === '1') {
  console.warn(
    '[kube] RUNBOOK_SKIP_KUBE_BUILD=1: not building kube-apiserver/etcd; test/real-kube runs only if they are already cached.',
  );
  process.exit(0);
}
if (spawnSync('go', ['version']).status !== 0) {
  console.warn(
    '[kube] ######## Go is not installed: the real kube-apiserver suite (test/real-kube) will be SKIPPED. Install Go >= 1.26 and run `npm run kube:binaries`. ########',
  );
  process.exit(0);
}
const script = resolve(import.meta.dirname, 'build-kube-binaries.sh');
const result = spawnSync('bash', [script], { stdio: 'inherit' });
process.exit(result.status ?? 1);
