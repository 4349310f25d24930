import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Logger, LogMetadata } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Info } from '@temporalio/activity';
import { createKubernetesActivities, type KubeActivityDeps } from '../../src/activities/kubernetes/index.ts';
import type { PolicyRule } from '../support/kube-api-server/index.ts';

export type KubeActivities = ReturnType<typeof createKubernetesActivities>;

/** Every log line an activity wrote, as text, so tests can look for leaked values. */
export class CapturingLogger implements Logger {
  readonly lines: string[] = [];
  private push(level: string, message: string, meta?: LogMetadata) {
    this.lines.push(`${level} ${message} ${JSON.stringify(meta ?? {})}`);
  }
  log(level: string, message: string, meta?: LogMetadata) {
    this.push(level, message, meta);
  }
  trace(message: string, meta?: LogMetadata) {
    this.push('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata) {
    this.push('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata) {
    this.push('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata) {
    this.push('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata) {
    this.push('ERROR', message, meta);
  }
}

/**
 * Runs the real activities in a real activity Context (heartbeats, logger, attempt info), the way
 * a worker would.
 */
export function activityRunner(deps: KubeActivityDeps) {
  const activities = createKubernetesActivities(deps);
  const logger = new CapturingLogger();
  const heartbeats: unknown[] = [];
  function run<K extends keyof KubeActivities>(
    name: K,
    req: Parameters<KubeActivities[K]>[0],
    info: Partial<Info> = {},
  ): ReturnType<KubeActivities[K]> {
    const env = new MockActivityEnvironment({ attempt: 1, scheduledTimestampMs: Date.now(), ...info }, { logger });
    env.on('heartbeat', (d: unknown) => heartbeats.push(d));
    const fn = activities[name] as (r: typeof req) => ReturnType<KubeActivities[K]>;
    return env.run(fn, req) as ReturnType<KubeActivities[K]>;
  }
  return { run, logger, heartbeats };
}

/** Catches an expected failure so the test can inspect it. */
export async function failureOf(promise: Promise<unknown>): Promise<Error & { type?: string; nonRetryable?: boolean }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { type?: string; nonRetryable?: boolean };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

export const RBAC_PATH = resolve(import.meta.dirname, '../../deploy/rbac.yaml');

/** The rules of the worker's Role in deploy/rbac.yaml: tests run under exactly these. */
export function workerRoleRules(): PolicyRule[] {
  const docs = parseAllDocuments(readFileSync(RBAC_PATH, 'utf8')).map(
    (d) => d.toJS() as { kind: string; rules?: PolicyRule[] },
  );
  const role = docs.find((d) => d.kind === 'Role');
  if (!role?.rules) throw new Error(`${RBAC_PATH} has no Role with rules`);
  return role.rules;
}
