import { createKubernetesActivities, type KubeActivityDeps } from './kubernetes/index.ts';
import { createNotificationActivities, type NotificationDeps } from './notifications/index.ts';
import { createPostmortemActivities, type PostmortemDeps } from './postmortem.ts';
import { createProbeActivities, type ProbeActivityDeps } from './probes/index.ts';

/** Everything activities touch in the outside world, injectable so tests point them elsewhere. */
export interface ActivityDeps {
  probes: ProbeActivityDeps;
  kube: KubeActivityDeps;
  notifications: NotificationDeps;
  postmortem: PostmortemDeps;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createProbeActivities(deps.probes),
    ...createKubernetesActivities(deps.kube),
    ...createNotificationActivities(deps.notifications),
    ...createPostmortemActivities(deps.postmortem),
  };
}

export type Activities = ReturnType<typeof createActivities>;
