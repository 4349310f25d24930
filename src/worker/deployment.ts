/**
 * Worker Versioning: which version of the engine a worker is, and how its incidents move between
 * versions (docs/upgrades.md).
 *
 * An incident lasts hours to days and carries its own state across continue-as-new; replaying
 * it on other workflow code is what `patched()` exists for, and every such branch must be kept
 * until no incident can replay through it. PINNED spares that: an incident finishes on the build
 * it started on (the server keeps a pinned run's version across continue-as-new), and a new
 * incident starts on the deployment's current version. A deploy is then "start the new build,
 * make it current, stop the old one once nothing is pinned to it"; a patch is needed only for the
 * rare change that must reach incidents already running.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VersioningBehavior, WorkerDeploymentVersion } from '@temporalio/common';
import type { WorkerDeploymentOptions } from '@temporalio/worker';
import { ConfigError, type AppConfig } from '../config/index.ts';
import { PROJECT_ROOT } from '../infra/temporal-binary.ts';

export const INCIDENT_VERSIONING_BEHAVIOR: VersioningBehavior = 'PINNED';

/** The server's limit on each part of a version under `limit.maxIDLength: 255` (see RUNBOOK_DEPLOYMENT_NAME). */
const MAX_VERSION_PART = 108;

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * The release and a hash of the workflow code: the same bundle gives the same build id, so a
 * restarted worker serves the incidents pinned to it; any change to workflow code gives a new one.
 * Activity-only changes keep the build id, and reach running incidents as activities always do.
 */
export function defaultBuildId(workflowBundleCode: string, version = packageVersion()): string {
  return `${version}-${createHash('sha256').update(workflowBundleCode).digest('hex').slice(0, 12)}`;
}

/** The deployment every worker of this engine belongs to: the task queue, unless configured. */
export function deploymentNameOf(config: Pick<AppConfig, 'RUNBOOK_DEPLOYMENT_NAME' | 'RUNBOOK_TASK_QUEUE'>): string {
  if (config.RUNBOOK_DEPLOYMENT_NAME) return config.RUNBOOK_DEPLOYMENT_NAME;
  const name = config.RUNBOOK_TASK_QUEUE.replace(/[.:]/g, '-');
  if (name.length > MAX_VERSION_PART || name.startsWith('__')) {
    throw new ConfigError(
      `RUNBOOK_TASK_QUEUE ${JSON.stringify(config.RUNBOOK_TASK_QUEUE)} cannot name the worker deployment (at most ${MAX_VERSION_PART} characters, no leading '__') — set RUNBOOK_DEPLOYMENT_NAME`,
    );
  }
  return name;
}

export function workerVersionOf(config: AppConfig, workflowBundleCode: string): WorkerDeploymentVersion {
  return {
    deploymentName: deploymentNameOf(config),
    buildId: config.RUNBOOK_BUILD_ID ?? defaultBuildId(workflowBundleCode),
  };
}

export function versionedWorkerOptions(version: WorkerDeploymentVersion): WorkerDeploymentOptions {
  return { useWorkerVersioning: true, version, defaultVersioningBehavior: INCIDENT_VERSIONING_BEHAVIOR };
}
