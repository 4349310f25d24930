import { hostname, userInfo } from 'node:os';
import type { AppConfig } from '../config/index.ts';
import { rolesFrom, type ConsoleIdentity } from './identity.ts';

/** The local OS user, as the one-time link identifies them. */
export function localUser(env: NodeJS.ProcessEnv): string {
  return env.USER || env.USERNAME || userInfo().username;
}

/** Who a local one-time link signs in: the local OS user, as approver. */
export function localIdentity(env: NodeJS.ProcessEnv): ConsoleIdentity {
  const user = localUser(env);
  return { name: user, roles: rolesFrom('approver'), issuer: 'local-link', subject: `${user}@${hostname()}` };
}

/** Where the console is reached, as its links name it: RUNBOOK_CONSOLE_URL, else its host and port. */
export function consoleUrl(
  config: AppConfig,
  host = config.RUNBOOK_CONSOLE_HOST,
  port = config.RUNBOOK_CONSOLE_PORT,
): string {
  return config.RUNBOOK_CONSOLE_URL ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
