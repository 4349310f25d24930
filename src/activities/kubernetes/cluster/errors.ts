import { ApplicationFailure } from '@temporalio/common';
import { ApiException } from '@kubernetes/client-node';
import { ErrorTypes } from '../../../contract/index.ts';

/** One API call, as errors name it. */
export interface Call {
  verb: string;
  resource: string;
  name?: string;
  namespace: string;
}

function describe(call: Call): string {
  return `${call.resource}${call.name ? ` "${call.name}"` : ''} in namespace ${call.namespace}`;
}

/**
 * Turns an API error into what the workflow can act on: permissions and missing objects are
 * permanent (a human must act), conflicts, throttling, server and network errors are retried.
 * Messages name the call, never a request body.
 */
export function classifyKubeError(err: unknown, call: Call): Error {
  const classified = classifyUnmarked(err, call);
  alreadyClassified.add(classified);
  return classified;
}

/** Errors classifyKubeError made: passed on as they are (they name their own call). */
const alreadyClassified = new WeakSet<Error>();

/** A decision's own typed failure, or an error classifyKubeError already made. */
export const isClassified = (err: unknown): boolean =>
  err instanceof ApplicationFailure || alreadyClassified.has(err as Error);

function classifyUnmarked(err: unknown, call: Call): Error {
  if (err instanceof ApiException) {
    const status = (err.body ?? {}) as { message?: string; reason?: string };
    if (err.code === 401 || err.code === 403) {
      return ApplicationFailure.nonRetryable(
        `Kubernetes refused to ${call.verb} ${describe(call)} (HTTP ${err.code} ${status.reason ?? (err.code === 401 ? 'Unauthorized' : 'Forbidden')}): the worker's service account is missing verb "${call.verb}" on resource "${call.resource}"${call.name ? ` (resourceNames: ${call.name})` : ''} — grant it in deploy/rbac.yaml or apply the change by hand`,
        ErrorTypes.KubernetesForbidden,
      );
    }
    if (err.code === 404) {
      return ApplicationFailure.nonRetryable(
        `Kubernetes ${describe(call)} not found (HTTP 404 on ${call.verb}) — check the namespace/name in the runbook configuration`,
        ErrorTypes.KubernetesNotFound,
      );
    }
    if (err.code === 422 || err.code === 400) {
      return ApplicationFailure.nonRetryable(
        `Kubernetes rejected ${call.verb} ${describe(call)} as invalid (HTTP ${err.code}): ${call.resource === 'secrets' ? status.reason : status.message}`,
        ErrorTypes.KubernetesInvalid,
      );
    }
    return new Error(
      `Kubernetes API error HTTP ${err.code} on ${call.verb} ${describe(call)}${status.reason ? ` (${status.reason})` : ''}; will retry`,
    );
  }
  // Network-level failures (fetch failed: ECONNREFUSED, ECONNRESET, timeouts) carry no request body.
  const failure = err as { message?: string; cause?: { code?: string; message?: string } };
  const why = failure.cause?.code ?? failure.cause?.message ?? failure.message ?? 'network error';
  return new Error(`Kubernetes API unreachable on ${call.verb} ${describe(call)}: ${why}; will retry`);
}

export const isConflict = (err: unknown) => err instanceof ApiException && err.code === 409;
export const isNotFound = (err: unknown) => err instanceof ApiException && err.code === 404;
