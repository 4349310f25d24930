#!/usr/bin/env node
// Part of `npm test`: the suites that drive real third-party programs get them from Debian's
// package registry — the browser suite (chromium), the production-topology suite (postgresql), the
// Alertmanager suite (prometheus-alertmanager) and the alert-rules check (promtool, in prometheus).
// Missing ones are installed with apt-get when we are root on Debian; otherwise each suite skips itself with a loud warning naming this command.
import { existsSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const hasPostgres = () =>
  existsSync('/usr/lib/postgresql') &&
  readdirSync('/usr/lib/postgresql').some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`));
const wanted = [
  { pkg: 'chromium', present: () => existsSync('/usr/bin/chromium') || Boolean(process.env.CHROMIUM_PATH) },
  { pkg: 'postgresql', present: hasPostgres },
  { pkg: 'prometheus-alertmanager', present: () => existsSync('/usr/bin/prometheus-alertmanager') },
  // promtool, which checks the alerting rules in docs/metrics.md.
  { pkg: 'prometheus', present: () => existsSync('/usr/bin/promtool') || Boolean(process.env.PROMTOOL_PATH) },
];

if (process.env.RUNBOOK_SKIP_APT === '1') process.exit(0);
const missing = wanted.filter((w) => !w.present()).map((w) => w.pkg);
if (missing.length === 0) process.exit(0);
const canInstall = process.getuid?.() === 0 && spawnSync('apt-get', ['--version']).status === 0;
if (!canInstall) {
  console.warn(
    `[apt] ######## missing ${missing.join(', ')}: their suites will be SKIPPED. Install with \`apt-get install -y ${missing.join(' ')}\`. ########`,
  );
  process.exit(0);
}
console.log(`[apt] installing ${missing.join(', ')} from Debian's registry (once)`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
let result = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
if (result.status !== 0) {
  spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
  result = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
}
if (result.status !== 0)
  console.warn(
    `[apt] ######## could not install ${missing.join(', ')}: their suites will be SKIPPED (apt-get exit ${result.status}). ########`,
  );
process.exit(0);
