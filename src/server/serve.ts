import { randomBytes } from 'node:crypto';
import { temporalAddressOf, type TemporalClient } from '../app/temporal-client.ts';
import type { Logger } from 'pino';
import type { ServiceCatalog } from '../activities/catalog.ts';
import type { AppConfig } from '../config/index.ts';
import { ConsoleDrills } from '../app/console-drills.ts';
import { RequestRefusedError } from '../app/errors.ts';
import { buildConsole } from './app.ts';
import { consoleUrl, localIdentity } from './local-identity.ts';
import { LoginLinks, loginLinkDir } from './login-links.ts';
import { isLoopback, OidcLogin } from './oidc.ts';
import { alertTimings, type IntakeMode } from './intake/timings.ts';

export interface RunningConsole {
  /** Where the console listens, e.g. http://127.0.0.1:8780. */
  url: string;
  /** Local mode only: a one-time link that signs the local OS user in as approver. */
  loginUrl: string | null;
  loginLinks: LoginLinks;
  close(): Promise<void>;
}

/**
 * Starts the console. Without an OIDC issuer it is a local tool: it binds loopback only, and the
 * person who started it signs in with the printed one-time link. Any other address needs OIDC,
 * so nobody on the network reaches a console that trusts whoever holds a link.
 */
export async function startConsole(options: {
  client: TemporalClient;
  config: AppConfig;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  port?: number;
  host?: string;
  /** Default `service`: only `runbook dev` on its own dev server says otherwise. */
  mode?: IntakeMode;
  /** Started by `runbook dev`: the Drill page runs drills on the same (local) Temporal server. */
  devMode?: boolean;
  /** The service catalog the process built once (beside a worker: the worker's own). */
  catalog: ServiceCatalog;
}): Promise<RunningConsole> {
  const { config } = options;
  const timings = alertTimings(config, options.mode ?? 'service');
  const host = options.host ?? config.RUNBOOK_CONSOLE_HOST;
  const port = options.port ?? config.RUNBOOK_CONSOLE_PORT;
  const issuer = config.RUNBOOK_OIDC_ISSUER;
  if (!issuer && !isLoopback(host)) {
    throw new RequestRefusedError(
      `RUNBOOK_CONSOLE_HOST=${host}: the console listens beyond this machine only with OpenID Connect (set RUNBOOK_OIDC_ISSUER and RUNBOOK_OIDC_CLIENT_ID)`,
    );
  }
  if (issuer && !config.RUNBOOK_OIDC_CLIENT_ID)
    throw new RequestRefusedError('RUNBOOK_OIDC_ISSUER is set but RUNBOOK_OIDC_CLIENT_ID is not');
  const listenUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const loginLinks = new LoginLinks({ dir: issuer ? null : loginLinkDir(config) });
  const publicUrl = config.RUNBOOK_CONSOLE_URL ?? listenUrl;
  const oidc = issuer
    ? await OidcLogin.discover({
        issuer,
        clientId: config.RUNBOOK_OIDC_CLIENT_ID!,
        clientSecret: config.RUNBOOK_OIDC_CLIENT_SECRET,
        rolesClaim: config.RUNBOOK_OIDC_ROLES_CLAIM,
        groups: {
          viewer: config.RUNBOOK_OIDC_VIEWER_GROUP,
          responder: config.RUNBOOK_OIDC_RESPONDER_GROUP,
          approver: config.RUNBOOK_OIDC_APPROVER_GROUP,
        },
        redirectUri: new URL('/auth/callback', publicUrl).href,
      })
    : null;
  // Without a configured key, sessions end with the process: fine for one local console.
  const sessionKey = config.RUNBOOK_CONSOLE_SESSION_KEY
    ? Buffer.from(config.RUNBOOK_CONSOLE_SESSION_KEY, 'hex')
    : randomBytes(32);
  const drills = options.devMode ? new ConsoleDrills({ config, env: options.env, logger: options.logger }) : null;
  // The address as configured (envconfig), so the "unreachable" page names what an operator set.
  const temporalAddress = temporalAddressOf(options.client) ?? 'the configured address (TEMPORAL_ADDRESS)';
  const app = await buildConsole({
    client: options.client,
    config,
    loginLinks,
    oidc,
    publicUrl,
    sessionKey,
    logger: options.logger,
    drills,
    temporalAddress,
    catalog: options.catalog,
    ...(timings ? { alertTimings: timings } : {}),
  });
  await app.listen({ host, port });
  const address = app.server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const url = consoleUrl(config, host, boundPort);
  let loginUrl: string | null = null;
  if (!issuer) {
    const token = loginLinks.issue(localIdentity(options.env));
    loginUrl = new URL(`/login/${token}`, url).href;
  }
  options.logger.info(
    { url, oidc: issuer ?? null, alertTimings: timings ? 'drill' : 'production' },
    'incident console listening',
  );
  return { url, loginUrl, loginLinks, close: () => app.close() };
}
