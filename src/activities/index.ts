// src/activities: all I/O of an incident (probes, remediation targets, notifications, postmortem files), built by createActivities(deps).
import { createCatalogActivities, guardWithCatalog, type ServiceCatalog } from './catalog.ts';
import { createIntakeActivities, type IntakeDeps } from './intake.ts';
import { createKubernetesActivities, type KubeActivityDeps } from './kubernetes/index.ts';
import { createNotificationActivities, type NotificationDeps } from './notifications/index.ts';
import { createPostmortemActivities, type PostmortemDeps } from './postmortem.ts';
import { createProbeActivities, type ProbeActivityDeps } from './probes/index.ts';
import { createJudgeActivities } from './probes/judge.ts';
import { createHintWatchActivities } from './probes/watch.ts';

/** Everything activities touch in the outside world, injectable so tests point them elsewhere. */
export interface ActivityDeps {
  probes: ProbeActivityDeps;
  kube: KubeActivityDeps;
  notifications: NotificationDeps;
  postmortem: PostmortemDeps;
  /** The services this worker takes care of: the only places its credentials and changes go. */
  catalog: ServiceCatalog;
  /** A Temporal client for synthetic checks (ledger, opening incidents); the worker fills it in from its connection. */
  intake?: IntakeDeps;
}

export function createActivities(deps: ActivityDeps) {
  const guarded = guardWithCatalog(deps.catalog, {
    ...createProbeActivities(deps.probes),
    ...createKubernetesActivities(deps.kube),
  });
  return {
    ...guarded,
    ...createJudgeActivities({ runProbes: (req) => guarded.runProbes(req) }),
    ...createHintWatchActivities({
      readHint: (req) => guarded.runProbe(req),
      ...(deps.intake ? { completion: deps.intake.client.activity } : {}),
    }),
    ...createCatalogActivities(deps.catalog),
    ...createNotificationActivities(deps.notifications),
    ...createPostmortemActivities(deps.postmortem),
    ...createIntakeActivities(deps.intake),
  };
}

export type Activities = ReturnType<typeof createActivities>;
