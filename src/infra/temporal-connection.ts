import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';

export interface TemporalTarget {
  connectionOptions: NativeConnectionOptions & { address: string };
  namespace: string;
}

/**
 * Temporal connection settings from @temporalio/envconfig: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 * TEMPORAL_API_KEY, TEMPORAL_TLS*, TEMPORAL_PROFILE and the TOML config file.
 */
export function loadTemporalTarget(
  env: NodeJS.ProcessEnv = process.env,
  fallbackAddress = '127.0.0.1:7233',
): TemporalTarget {
  const { connectionOptions, namespace } = loadClientConnectConfig({
    overrideEnvVars: env as Record<string, string>,
  });
  return {
    connectionOptions: { ...connectionOptions, address: connectionOptions.address ?? fallbackAddress },
    namespace: namespace ?? 'default',
  };
}

/** True when the user pointed us at a cluster, so `runbook dev` must not start its own server. */
export function temporalAddressConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.TEMPORAL_ADDRESS);
}
