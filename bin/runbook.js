#!/usr/bin/env node
// The CLI needs Node >= 22 with TypeScript type stripping. On an older system Node, re-run under the
// Node 24 that `npm install` put in node_modules (the `node` package from the npm registry).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire, enableCompileCache } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const major = Number(process.versions.node.split('.')[0]);

if (major >= 22 && process.features?.typescript) {
  // V8's code cache (and the stripped TypeScript) on disk: a one-shot command starts ~30 % sooner.
  // NODE_DISABLE_COMPILE_CACHE=1 turns it off; a cache that cannot be written is simply not used.
  enableCompileCache?.();
  const { runAsProcess } = await import(entry);
  process.exitCode = await runAsProcess(process.argv.slice(2));
} else {
  let bundledNode;
  try {
    const require = createRequire(import.meta.url);
    bundledNode = join(dirname(require.resolve('node/package.json')), 'bin', 'node');
  } catch {
    bundledNode = undefined;
  }
  if (!bundledNode || !existsSync(bundledNode)) {
    process.stderr.write(
      `runbook: needs Node >= 22 (this is ${process.versions.node}). Run \`npm install\` in the project (it fetches Node 24 from the npm registry), or install Node 24.\n`,
    );
    process.exit(1);
  }
  const child = spawn(bundledNode, [entry, ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}
