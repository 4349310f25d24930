import type { TemporalClient } from '../app/temporal-client.ts';
import type { ServiceCatalog } from '../activities/catalog.ts';
import type { ConsoleDrills } from '../app/console-drills.ts';
import type { AppConfig } from '../config/index.ts';
import type { IncidentStart } from '../contract/index.ts';
import type { LoginLinks } from './login-links.ts';
import type { LivePollers } from './live-events.ts';
import type { OidcLogin } from './oidc.ts';
import type { SessionStore } from './sessions.ts';
import type { TemporalHealth } from '../app/temporal-health.ts';

/** What every route group needs: the Temporal client and the engine's configuration. */
export interface ConsoleDeps {
  client: TemporalClient;
  config: AppConfig;
  loginLinks: LoginLinks;
  /** Null: local mode, one-time login links only. */
  oidc: OidcLogin | null;
  /** Where people reach the console (redirect URIs, cookie security). */
  publicUrl: string;
  /** Timings of incidents the alert intake opens; absent: production timings (src/server/intake/timings.ts). */
  alertTimings?: IncidentStart['timings'];
  /** Dev mode only (`runbook dev`): drills of the built-in scenarios. Null: no Drill page (404). */
  drills: ConsoleDrills | null;
  /** The service catalog, built once when the process starts (beside a worker: the worker's own): pages and alerts never re-read the file. */
  catalog: ServiceCatalog;
  /** Every Temporal call of a page or a live stream goes through it: a short deadline, and "unreachable" said as such. */
  health: TemporalHealth;
  /** One poll loop per watched incident, shared by its viewers. */
  live: LivePollers;
  /** The server's record of live sign-ins: sign-out and expiry end a session here. */
  sessions: SessionStore;
}
