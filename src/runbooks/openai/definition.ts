// src/runbooks/openai: the OpenAI-compatible API runbook — probes, decision table, plans, communication templates, tooling.
import { closeAsFalseAlarm } from '../kit/false-alarm.ts';
import type { CauseDefinition, RemediationContext, RemediationOutcome, RunbookDefinition } from '../types.ts';
import { classifyOpenAi, OPENAI_CAUSES, type OpenAiCause } from './decision.ts';
import { CONCURRENCY, FALLBACK } from './knobs.ts';
import { OPENAI_PROBE_IDS, openaiRealProbes, openaiStatusPageProbe, openaiTriageProbes } from './probes.ts';
import { turnKnobUntilRecovered } from './remediations/env-knob.ts';
import { rotateKey } from './remediations/key-rotation.ts';
import { handleQuotaExhausted } from './remediations/quota.ts';
import { openAiSettings, openAiSettingsDefinition } from './settings.ts';
import { openaiDrill } from './tooling/drill.ts';
import { openaiScenarios } from './tooling/scenarios.ts';
import { openaiSimulator } from './tooling/simulator.ts';

type CausePlan = Omit<CauseDefinition, 'severity' | 'summary'>;

/** Causes answered by checks a human performs: the checks go on the timeline, a human confirms. */
const checks =
  (stepId: string, items: string[], done: string) =>
  async (ctx: RemediationContext): Promise<RemediationOutcome> => {
    for (const item of items) ctx.note(`Check: ${item}`);
    const confirmed = await ctx.approval({ stepId, description: `Confirm the checks were done: ${items.join('; ')}` });
    return confirmed
      ? { resolution: 'resolved', summary: done }
      : { resolution: 'closed', summary: 'The checks were declined; closed without confirmation.' };
  };

/** A cause whose plan is a list of checks: template lines, then the checks and what confirming them means. */
const advisory = (
  impact: string,
  action: string,
  actionItems: string[],
  stepId: string,
  items: string[],
  done: string,
): CausePlan => ({ impact, action, actionItems, remediate: checks(stepId, items, done) });

const PLANS: Record<OpenAiCause, CausePlan> = {
  network_dns: advisory(
    'AI features unavailable: the API cannot be reached from our network',
    'Checking DNS resolvers and egress',
    ['[Fix] Repair the DNS/egress path', '[Prevention] Monitor resolution of the API host from every cluster'],
    'confirm-network-fixed',
    ['Resolve the API host from an affected pod', 'Check cluster DNS and the egress proxy/firewall'],
    'Network path repaired.',
  ),
  auth_failure: {
    impact: 'AI features unavailable for users (API key rejected)',
    action: 'Rotating the API key: new key → secret → restart → verify',
    actionItems: [
      '[Fix] Revoke the old key everywhere it was used',
      '[Prevention] Alert on 401 rates; keep keys only in the secret manager',
    ],
    confirm: true,
    remediate: rotateKey,
  },
  quota_exhausted: {
    impact: 'AI features unavailable (quota exhausted: 429 insufficient_quota)',
    action: 'Batch jobs paused; waiting for the quota to be raised',
    actionItems: [
      '[Fix] Raise the usage limit or enable auto-recharge',
      '[Prevention] Alert on spend before the limit',
    ],
    confirm: true,
    remediate: handleQuotaExhausted,
  },
  provider_outage: {
    impact: 'AI features unavailable; users get the fallback while it is on',
    action: 'Fallback enabled, monitoring the provider for recovery',
    actionItems: [
      '[Fix] Review how long fallback was on',
      '[Prevention] Keep the fallback path tested (runbook drill --runbook openai outage-500)',
    ],
    confirm: true,
    remediate: (ctx) =>
      turnKnobUntilRecovered(ctx, {
        step: 'enable-fallback',
        name: FALLBACK,
        value: 'true',
        because: 'Every endpoint fails',
        restart: true,
        summary: 'Provider outage: fallback served users until real calls succeeded again.',
      }),
  },
  partial_outage: advisory(
    'One endpoint failing; features using it fail',
    'Degrade the failing feature; watch the endpoint',
    ['[Fix] Let each feature fail over on its own', '[Prevention] Probe every endpoint in monitoring'],
    'confirm-partial-outage-handled',
    ['Disable or degrade the feature behind the failing endpoint', 'Check the provider status page'],
    'Partial outage handled.',
  ),
  rate_limited: {
    impact: 'Part of the requests rejected (429 rate limiting)',
    action: 'Concurrency reduced, watching the 429 rate and x-ratelimit-* headers',
    actionItems: [
      '[Fix] Ask for a higher rate-limit tier if 429s recur',
      '[Prevention] Client-side limits honouring retry-after',
    ],
    confirm: true,
    remediate: (ctx) =>
      turnKnobUntilRecovered(ctx, {
        step: 'reduce-concurrency',
        name: CONCURRENCY,
        value: String(openAiSettings(ctx.input).reducedConcurrency),
        because: 'Sustained 429s',
        restart: false,
        summary: 'Sustained rate limiting: concurrency reduced until the limit lifted.',
      }),
  },
  degraded_performance: advisory(
    'AI features slow or timing out for users',
    'Investigating latency (network or provider performance)',
    ['[Fix] Tune client timeouts and streaming', '[Prevention] Alert on P95 latency'],
    'confirm-performance-handled',
    [
      'Compare latency across models',
      'Check the network path and the status page',
      'Enable fallback if timeouts persist',
    ],
    'Degraded performance investigated and handled.',
  ),
  healthy: {
    impact: 'No user impact found',
    action: 'Recorded as a false alarm',
    actionItems: ['[Prevention] Review the alert that fired for gaps or noise'],
    remediate: closeAsFalseAlarm,
  },
};

/** Where the API is by default; a catalog entry (or the RUNBOOK_* variables) says otherwise. */
const API = {
  baseUrl: 'https://api.openai.com',
  statusPageUrl: 'https://status.openai.com/api/v2/status.json',
  apiHost: 'api.openai.com',
};

export const openaiRunbook: RunbookDefinition = {
  id: 'openai',
  title: 'OpenAI-compatible API',
  defaultService: {
    name: 'openai-service',
    ...API,
    apiKeyRef: { kind: 'env', name: 'OPENAI_API_KEY' },
    kubernetes: { namespace: 'default', deployment: 'openai-service' },
    settings: {},
  },
  triageProbes: openaiTriageProbes,
  // Chat and images decide; the status page only hints; healthy means every real call succeeds.
  evidence: {
    decisive: [OPENAI_PROBE_IDS.chat, OPENAI_PROBE_IDS.images],
    hint: openaiStatusPageProbe,
    hintValue: (r) => (r.ok && r.source !== 'self' ? (r.extractedField ?? null) : null),
    real: openaiRealProbes,
    healthyCause: 'healthy',
    certainCauses: ['auth_failure', 'quota_exhausted'],
  },
  classify: (results) => classifyOpenAi(results),
  causes: Object.fromEntries(
    (Object.keys(PLANS) as OpenAiCause[]).map((cause) => [cause, { ...OPENAI_CAUSES[cause], ...PLANS[cause] }]),
  ),
  settings: openAiSettingsDefinition,
  tooling: { simulator: openaiSimulator, scenarios: openaiScenarios, drill: openaiDrill },
};
