// Sits between `runbook dev` and the Temporal server so the server cannot outlive its owner, even
// when the owner is SIGKILLed (no handler runs then). The owner holds the write end of our stdin;
// the kernel closes it whenever the owner dies, and EOF on stdin is our cue to stop the server.
// Plain JavaScript on purpose: it runs under whatever `node` started the owner, with or without
// TypeScript support.
//
// Usage: node dev-server-watchdog.mjs <grace-ms> <binary> [args...]
// Reports `{ serverPid }` over the IPC channel once the server is spawned.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

const [graceArg, binary, ...args] = process.argv.slice(2);
const graceMs = Number(graceArg);

// Own process group: Ctrl-C in the terminal reaches the owner, which drains its worker first and
// then tells us (via stdin) to stop the server.
const server = spawn(binary, args, { stdio: ['ignore', 'inherit', 'inherit'], detached: true });

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  server.kill('SIGTERM');
  setTimeout(() => server.kill('SIGKILL'), graceMs).unref();
}

server.once('spawn', () => {
  process.send?.({ serverPid: server.pid });
});
server.once('error', (err) => {
  process.stderr.write(`watchdog: cannot start ${binary}: ${err.message}\n`);
  process.exit(127);
});
server.once('exit', (code, signal) => {
  process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0));
});

process.stdin.on('data', () => undefined);
process.stdin.once('end', stop);
process.stdin.once('close', stop);
process.stdin.once('error', stop);
process.once('disconnect', stop);
// Ctrl-C and a closed terminal reach us too; the owner decides when the server goes, via stdin,
// and if the owner dies of it, stdin closes anyway.
for (const sig of ['SIGINT', 'SIGHUP']) process.on(sig, () => undefined);
process.on('SIGTERM', stop);
