import { isCancellation, sleep, workflowInfo } from '@temporalio/workflow';
import type { ProbeResult, ProbeSpecInput } from '../../contract/index.ts';
import { probeActivities } from './activities.ts';
import { specsBeforeTimings } from './evidence.ts';
import type { MonitorOptions } from './context.ts';
import type { EngineCore, RunControl } from './ports.ts';

/** Judgement v1 (replay only) monitors through this. */
type MonitoredIncident = EngineCore & RunControl;

const nowIso = () => new Date(Date.now()).toISOString();
const PROBE_HISTORY_ROUNDS = 20;

function probeSpec(incident: MonitoredIncident, spec: ProbeSpecInput): ProbeSpecInput {
  const cap = incident.input.timings.probeTimeoutMs;
  return cap ? { ...spec, timeoutMs: Math.min(spec.timeoutMs, cap) } : spec;
}

/** One probe as an activity; billed probes count against the incident's budget. */
export async function runProbe(incident: MonitoredIncident, spec: ProbeSpecInput, extracted?: Record<string, string | undefined>): Promise<ProbeResult> {
  if (spec.billed) {
    if (incident.s.billedProbes >= incident.input.billedProbeBudget) {
      return { probe: spec.id, ok: false, billed: false, httpStatus: null, errorKind: null, latencyMs: 0, detail: 'skipped: billed probe budget for this incident is spent' };
    }
    incident.s.billedProbes += 1;
  }
  const s = incident.input.service;
  try {
    return await probeActivities.runProbe({
      spec: probeSpec(incident, spec),
      target: { baseUrl: s.baseUrl, statusPageUrl: s.statusPageUrl, apiHost: s.apiHost, apiKeyRef: s.apiKeyRef },
      extracted,
    });
  } catch (err) {
    if (isCancellation(err)) throw err;
    const message = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    return { probe: spec.id, ok: false, billed: false, httpStatus: null, errorKind: null, latencyMs: 0, detail: `probe could not run: ${message}` };
  }
}

/** Every triage probe concurrently (download probes after the calls whose URLs they fetch); each result on the timeline. */
export async function runTriage(incident: MonitoredIncident): Promise<ProbeResult[]> {
  const specs = specsBeforeTimings(incident.runbook.triageProbes);
  const independent = specs.filter((s) => s.kind !== 'download');
  const first = await Promise.all(independent.map((s) => runProbe(incident, s)));
  const extracted = Object.fromEntries(first.map((r) => [r.probe, r.extractedUrl]));
  const second = await Promise.all(specs.filter((s) => s.kind === 'download').map((s) => runProbe(incident, s, extracted)));
  const results = [...first, ...second];
  for (const r of results) {
    incident.add('probe', `${r.probe}: ${r.ok ? 'ok' : 'FAIL'}${r.httpStatus !== null ? ` HTTP ${r.httpStatus}` : ''}${r.errorKind ? ` ${r.errorKind}` : ''} in ${r.latencyMs} ms${r.detail ? ` — ${r.detail}` : ''}`, r);
  }
  incident.s.probeHistory = [...incident.s.probeHistory, results].slice(-PROBE_HISTORY_ROUNDS);
  return results;
}

export async function verifyRecovered(incident: MonitoredIncident): Promise<boolean> {
  // A spent budget must not make a recovered provider look broken: the free check decides then.
  const spent = incident.s.billedProbes >= incident.input.billedProbeBudget;
  if (spent) incident.note('Billed probe budget spent: verifying with the free check instead');
  const result = await runProbe(incident, spent ? incident.runbook.recheck.cheap : incident.runbook.recheck.billed);
  const healthy = incident.runbook.recheck.isRecovered(result);
  incident.add('probe', `verification ${result.probe}: ${healthy ? 'healthy' : 'still failing'}${result.httpStatus !== null ? ` (HTTP ${result.httpStatus})` : ''}`, result);
  return healthy;
}

/**
 * Polls until healthy for N consecutive checks: backoff with a cap while failing, a billed probe every
 * Nth poll, a flap resets the streak, continue-as-new every `pollsPerRun` polls.
 */
export async function monitorUntilRecovered(incident: MonitoredIncident, options: MonitorOptions = {}): Promise<void> {
  const t = incident.input.timings;
  const billedEvery = options.billedEvery ?? t.billedProbeEvery;
  incident.s.monitor ??= { healthyStreak: 0, polls: 0, intervalMs: t.pollInitialMs, required: t.healthyChecksRequired, lastHealthy: null, startedAt: nowIso(), escalated: false };
  const m = incident.s.monitor;
  incident.setState('monitoring', `polling until healthy for ${m.required} consecutive checks`);
  while (m.healthyStreak < m.required) {
    if (incident.pollsThisRun >= t.pollsPerRun || workflowInfo().continueAsNewSuggested) await incident.continueAsNew();
    await sleep(m.intervalMs);
    m.polls += 1;
    incident.pollsThisRun += 1;
    const billed = m.polls % billedEvery === 0 && incident.s.billedProbes < incident.input.billedProbeBudget;
    const result = await runProbe(incident, billed ? incident.runbook.recheck.billed : incident.runbook.recheck.cheap);
    const healthy = incident.runbook.recheck.isRecovered(result);
    m.healthyStreak = healthy ? m.healthyStreak + 1 : 0;
    m.intervalMs = healthy ? t.pollInitialMs : Math.min(Math.round(m.intervalMs * t.pollBackoff), t.pollMaxMs);
    if (healthy !== m.lastHealthy || healthy) {
      incident.add('probe', `monitor poll ${m.polls} (${result.probe}): ${healthy ? `healthy ${m.healthyStreak}/${m.required}` : 'still failing'}${result.httpStatus !== null ? ` HTTP ${result.httpStatus}` : ''}${result.extractedField ? ` indicator=${result.extractedField}` : ''}`, {
        probe: result.probe,
        ok: result.ok,
        httpStatus: result.httpStatus,
        healthyStreak: m.healthyStreak,
      });
    }
    m.lastHealthy = healthy;
    if (!healthy && options.escalateAfterMs && !m.escalated && Date.now() - Date.parse(m.startedAt) >= options.escalateAfterMs) {
      m.escalated = true;
      await incident.escalate(options.escalation ?? `still unhealthy after ${Math.round(options.escalateAfterMs / 60_000)} min of monitoring`);
    }
  }
  incident.note(`Provider healthy for ${m.required} consecutive checks after ${m.polls} polls`);
  incident.s.monitor = null;
}
