import type { IncidentResult } from '../../src/contract/index.ts';
import type { Harness } from './incident-harness.ts';

const OUTAGE = [{ name: 'outage', legacy: { status: 503 }, v3: { status: 503 }, statusPage: { indicator: 'major' as const } }];

/**
 * N incidents for one service (one deployment) at once: each turns fallback on while the outage
 * lasts; the outage ends only once every one of them has, so each records its prior state while
 * the others' changes are in place — the case that used to record `true` as the "original".
 */
export async function concurrentOutages(h: Harness, n: number): Promise<IncidentResult[]> {
  h.sim.setScenario(OUTAGE);
  const handles = await Promise.all(Array.from({ length: n }, (_, i) => h.start({}, `${h.taskQueue}-concurrent-${n}-${i}`)));
  const results = Promise.all(handles.map((handle) => h.approveWhenAsked(handle)));
  await Promise.all(handles.map((handle) => h.waitFor(handle, (s) => s.mutations.some((m) => m.step === 'enable-fallback'), 'fallback applied')));
  h.sim.setScenario('healthy');
  return results;
}
