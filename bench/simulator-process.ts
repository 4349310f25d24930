// The simulator in a process of its own (`runbook simulate`), so the bench's worker figures (RSS,
// CPU) are the worker's: an in-process simulator keeps a record of every request it answered, which
// at N = 1000 grew to gigabytes and was counted as the worker's.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import type { ScenarioPhase } from '../src/simulator/index.ts';

export interface SimulatorProcess {
  baseUrl: string;
  statusPageUrl: string;
  pid: number;
  setPhases(phases: ScenarioPhase[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startSimulatorProcess(options: {
  dir: string;
  phases: ScenarioPhase[];
  latencyScale: number;
  inflightLimit: number;
}): Promise<SimulatorProcess> {
  const scenarioFile = join(options.dir, 'bench-scenario.json');
  writeFileSync(scenarioFile, JSON.stringify(options.phases));
  const bin = join(import.meta.dirname, '..', 'bin', 'runbook.js');
  const child: ChildProcess = spawn(
    process.execPath,
    [
      bin,
      'simulate',
      '--port',
      '0',
      '--scenario-file',
      scenarioFile,
      '--latency-scale',
      String(options.latencyScale),
      '--inflight-limit',
      String(options.inflightLimit),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  const urls = await new Promise<{ baseUrl: string; statusPageUrl: string }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`runbook simulate exited (${code}) before listening: ${out}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const base = /listening on (\S+)/.exec(out)?.[1];
      const status = /status page: (\S+)/.exec(out)?.[1];
      if (base && status) resolve({ baseUrl: base, statusPageUrl: status });
    });
  });
  child.removeAllListeners('exit');
  return {
    ...urls,
    pid: child.pid!,
    async setPhases(phases) {
      const res = await request(`${urls.baseUrl}/__admin/scenario`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phases }),
      });
      const body = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`simulator refused the scenario: ${res.statusCode} ${body}`);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
