// src/runbooks/ideogram: the Ideogram API incident runbook — probes, decision table, one remediation plan per cause, templates.
import type { CauseDefinition, RunbookDefinition } from '../types.ts';
import { classifyIdeogram, IDEOGRAM_CAUSES, type IdeogramCause } from './decision.ts';
import { PROVIDER_CONTACT } from './knobs.ts';
import { IDEOGRAM_PROBE_IDS, ideogramRealProbes, ideogramTriageProbes, statusPageProbe } from './probes.ts';
import { closeAsFalseAlarm } from '../kit/false-alarm.ts';
import { advisory, closeAsSafetyRejection } from './remediations/advisory.ts';
import { remediateAuthFailure } from './remediations/auth-failure.ts';
import { remediateCreditsExhausted } from './remediations/credits-exhausted.ts';
import { remediateProviderOutage } from './remediations/provider-outage.ts';
import { remediateRateLimited } from './remediations/rate-limited.ts';
import { ideogramSettingsDefinition } from './settings.ts';

type CausePlan = Omit<CauseDefinition, 'severity' | 'summary'>;

const PLANS: Record<IdeogramCause, CausePlan> = {
  auth_failure: {
    impact: 'Image generation unavailable for users (API key rejected)',
    action: 'Rotating the API key: new key → secret → restart → verify',
    actionItems: [
      '[Fix] Confirm every environment uses the rotated key',
      '[Prevention] Alert on 401 rates and key expiry; store the key only in the secret manager',
    ],
    confirm: true,
    remediate: remediateAuthFailure,
  },
  credits_exhausted: {
    impact: 'Image generation unavailable for users (credits exhausted)',
    action: 'Batch jobs paused; waiting for the credit top-up',
    actionItems: ['[Fix] Raise the auto top-up amount', '[Prevention] Alert on credit balance before it reaches zero'],
    confirm: true,
    remediate: remediateCreditsExhausted,
  },
  provider_outage: {
    impact: 'Image generation unavailable; users get placeholder images while fallback is on',
    action: 'Fallback enabled, monitoring Ideogram for resolution',
    actionItems: [
      '[Fix] Review how long fallback was on and whether users noticed',
      '[Prevention] Keep the fallback path tested (run `runbook drill outage-500`)',
    ],
    confirm: true,
    remediate: remediateProviderOutage,
  },
  rate_limited: {
    impact: 'Part of image generation rejected (429 rate limiting)',
    action: 'Concurrency reduced to 3, watching the 429 rate',
    actionItems: [
      `[Fix] Ask Ideogram for a higher limit if 429s recur (${PROVIDER_CONTACT})`,
      '[Prevention] Client-side concurrency limit and 429 backoff',
    ],
    confirm: true,
    remediate: remediateRateLimited,
  },
  partial_outage: {
    impact: 'One Ideogram endpoint failing; requests through it fail',
    action: 'Route traffic to the working endpoint; watch the failing one',
    actionItems: [
      '[Fix] Make the client fail over between endpoints',
      '[Prevention] Probe both endpoints in monitoring',
    ],
    remediate: advisory(
      'confirm-partial-outage-handled',
      [
        'Route generation to the working endpoint (legacy ↔ V3)',
        'Check the Ideogram status page',
        'Enable fallback if the failing endpoint carries most traffic',
      ],
      'Partial outage handled by routing to the working endpoint.',
    ),
  },
  network_dns: {
    impact: 'Image generation unavailable: the API cannot be reached from our network',
    action: 'Checking DNS resolvers and egress',
    actionItems: [
      '[Fix] Repair the DNS/egress path',
      '[Prevention] Monitor DNS resolution of api.ideogram.ai from every cluster',
    ],
    remediate: advisory(
      'confirm-network-fixed',
      [
        'nslookup api.ideogram.ai from an affected pod',
        'Check cluster DNS (CoreDNS) and egress firewall/proxy rules',
        'Compare with resolution from outside the cluster',
      ],
      'Network/DNS path repaired.',
    ),
  },
  degraded_performance: {
    impact: 'Image generation slow or timing out for users',
    action: 'Investigating latency (network or Ideogram performance)',
    actionItems: [
      '[Fix] Tune client timeouts and rendering speed',
      '[Prevention] Alert on P95 generate latency > 30 s',
    ],
    remediate: advisory(
      'confirm-performance-handled',
      [
        'Compare latency across rendering speeds (FLASH vs QUALITY)',
        'Check network path and Ideogram status page',
        'Consider enabling fallback if timeouts persist',
      ],
      'Degraded performance investigated and handled.',
    ),
  },
  safety_rejection: {
    impact: 'Some prompts rejected by the safety filter; not an outage',
    action: 'Prompt review recommended',
    actionItems: [
      '[Fix] Review the prompts that trigger 422',
      '[Prevention] Pre-screen prompts before calling the API',
    ],
    remediate: closeAsSafetyRejection,
  },
  download_failure: {
    impact: 'Images generate but cannot be downloaded (expired URLs)',
    action: 'Checking image download and URL expiry',
    actionItems: [
      '[Fix] Download and store images right after generation (URLs expire)',
      '[Prevention] Never serve provider URLs directly',
    ],
    remediate: advisory(
      'confirm-downloads-handled',
      [
        'Check when image URLs are fetched relative to generation (they expire)',
        'Re-generate expired images',
        'Copy images to our own storage on receipt',
      ],
      'Image download failures handled.',
    ),
  },
  quality_regression: {
    impact: 'Images generate but quality is degraded',
    action: 'Checking model version, style params and magic_prompt setting',
    actionItems: ['[Fix] Pin the model version and style parameters', '[Prevention] Add a visual regression check'],
    remediate: advisory(
      'confirm-quality-checked',
      [
        'Check the model version in requests',
        'Check style_type and aspect parameters',
        'Check the magic_prompt setting',
      ],
      'Quality regression traced to request settings and corrected.',
    ),
  },
  healthy: {
    impact: 'No user impact found',
    action: 'Recorded as a false alarm',
    actionItems: ['[Prevention] Review the alert that fired for gaps or noise'],
    remediate: closeAsFalseAlarm,
  },
};

export const ideogramRunbook: RunbookDefinition = {
  id: 'ideogram',
  title: 'Ideogram Integration',
  defaultService: {
    name: 'ideogram-service',
    baseUrl: 'https://api.ideogram.ai',
    statusPageUrl: 'https://status.ideogram.ai/api/v2/status.json',
    apiHost: 'api.ideogram.ai',
    apiKeyRef: { kind: 'env', name: 'IDEOGRAM_API_KEY' },
    kubernetes: { namespace: 'default', deployment: 'ideogram-service' },
    // Defaults come from the settings schema (settings.ts).
    settings: {},
  },
  settings: ideogramSettingsDefinition,
  triageProbes: ideogramTriageProbes,
  evidence: {
    decisive: [IDEOGRAM_PROBE_IDS.legacy, IDEOGRAM_PROBE_IDS.v3],
    hint: statusPageProbe,
    hintValue: (r) => (r.ok && r.source !== 'self' ? (r.extractedField ?? null) : null),
    real: ideogramRealProbes,
    healthyCause: 'healthy',
    certainCauses: ['auth_failure', 'credits_exhausted', 'safety_rejection'],
  },
  classify: (results, history, context) =>
    classifyIdeogram(results, history, { reportedCause: context?.reportedCause, thresholds: context?.thresholds }),
  causes: Object.fromEntries(
    (Object.keys(PLANS) as IdeogramCause[]).map((cause) => [cause, { ...IDEOGRAM_CAUSES[cause], ...PLANS[cause] }]),
  ),
};
