import { readFile } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorTypes, describeSecretRef, type SecretRef } from '../contract/index.ts';

/** Reads a key from a Kubernetes Secret; injected so this module needs no cluster client. */
export type KubeSecretReader = (
  namespace: string | undefined,
  name: string,
  key: string,
) => Promise<string | undefined>;

export interface SecretResolverDeps {
  env: NodeJS.ProcessEnv;
  readKubeSecret?: KubeSecretReader;
}

/** Failure types of resolveSecret: configuration to fix, never something to retry or observe. */
export const SECRET_ERROR_TYPES = [ErrorTypes.SecretNotFound, ErrorTypes.SecretInvalid] as const;

export function isSecretConfigError(err: unknown): err is Error & { type: (typeof SECRET_ERROR_TYPES)[number] } {
  return (SECRET_ERROR_TYPES as readonly unknown[]).includes((err as { type?: unknown } | null)?.type);
}

/** No API key contains whitespace or controls; one that does was pasted with a stray newline. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NOT_A_KEY_CHAR = /[\s\u0000-\u001f\u007f-\u009f]/;

/**
 * Resolves a secret reference to its value. The value stays inside the calling activity: errors
 * name the reference only. A value with whitespace or controls would otherwise fail later as an
 * invalid HTTP header and look like a network incident.
 */
export async function resolveSecret(ref: SecretRef, deps: SecretResolverDeps): Promise<string> {
  const value = await readSecret(ref, deps);
  if (value === undefined || value === '') {
    throw ApplicationFailure.nonRetryable(
      `secret ${describeSecretRef(ref)} is not set or empty — create it, or point the reference at the right place`,
      ErrorTypes.SecretNotFound,
    );
  }
  if (NOT_A_KEY_CHAR.test(value)) {
    throw ApplicationFailure.nonRetryable(
      `secret ${describeSecretRef(ref)} contains whitespace or control characters — store the key alone, without a trailing newline or spaces`,
      ErrorTypes.SecretInvalid,
    );
  }
  return value;
}

/** Presence and length only: what the runbook's "Key present / Key length" check reports. */
export async function inspectSecret(
  ref: SecretRef,
  deps: SecretResolverDeps,
): Promise<{ present: boolean; length: number }> {
  const value = await readSecret(ref, deps).catch(() => undefined);
  return { present: value !== undefined && value !== '', length: value?.length ?? 0 };
}

async function readSecret(ref: SecretRef, deps: SecretResolverDeps): Promise<string | undefined> {
  switch (ref.kind) {
    case 'env':
      return deps.env[ref.name];
    case 'file':
      try {
        return (await readFile(ref.path, 'utf8')).replace(/\r?\n$/, '');
      } catch {
        return undefined;
      }
    case 'k8s':
      if (!deps.readKubeSecret) {
        throw ApplicationFailure.nonRetryable(
          `secret ${describeSecretRef(ref)} lives in Kubernetes but this worker has no cluster access (RUNBOOK_REMEDIATION_TARGET=record-only)`,
          ErrorTypes.SecretNotFound,
        );
      }
      return deps.readKubeSecret(ref.namespace, ref.name, ref.key);
  }
}
