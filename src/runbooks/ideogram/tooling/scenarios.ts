/** Ideogram's built-in scenarios: phases per endpoint id (legacy, v3, statusPage, images) and the cause each should end with. */
import type { BuiltinScenarioDefinition } from '../../tooling/types.ts';

const down = (status: number, body: unknown) => ({ status, body });
const outage = (status: number) => [
  {
    name: `outage-${status}`,
    requests: 14,
    legacy: down(status, status === 503 ? { error: 'Service Unavailable' } : { error: 'Internal Server Error' }),
    v3: down(status, { error: 'Internal Server Error' }),
    statusPage: { indicator: 'major', description: 'Partial System Outage' },
  },
  { name: 'recovered' },
];

/**
 * Built-in scenarios. Faults a remediation can fix recover on their own so a drill can end
 * resolved: auth-401 and credits-402 after 8 requests (one triage round and its two confirmation
 * rounds), rate-limit-429, outage-500 and outage-503 after 14; then they serve healthy responses. The others
 * (safety-422, timeout, dns-failure, slow, expired-download, partial-outage) persist: their
 * runbook steps are advisory and end with a human's confirmation. `requests` counts every API
 * request, the status page and image downloads included.
 */
export const ideogramScenarios: Record<string, BuiltinScenarioDefinition> = {
  healthy: { description: 'everything works', phases: [{ name: 'healthy' }], expectedCause: 'healthy' },
  'auth-401': {
    description: 'the key is revoked: 401 on both endpoints through triage, accepted again once a new key is in place',
    phases: [
      {
        name: 'auth-401',
        requests: 8,
        legacy: down(401, { error: 'Unauthorized' }),
        v3: down(401, { error: 'Unauthorized' }),
      },
      { name: 'new-key-accepted' },
    ],
    expectedCause: 'auth_failure',
  },
  'credits-402': {
    description: 'credits exhausted: 402 insufficient_funds through triage, then topped up',
    phases: [
      {
        name: 'credits-402',
        requests: 8,
        legacy: down(402, { error: 'Payment Required', reject_reason: 'insufficient_funds' }),
        v3: down(402, { error: 'Payment Required', reject_reason: 'insufficient_funds' }),
      },
      { name: 'topped-up' },
    ],
    expectedCause: 'credits_exhausted',
  },
  'safety-422': {
    description: 'prompts fail the safety check: 422',
    phases: [
      {
        name: 'safety-422',
        legacy: down(422, { error: 'Prompt provided failed safety check. Please modify the prompt.' }),
        v3: down(422, { error: 'Prompt provided failed safety check. Please modify the prompt.' }),
      },
    ],
    expectedCause: 'safety_rejection',
  },
  'rate-limit-429': {
    description: 'sustained 429 inflight_limit, recovering after a while',
    phases: [
      {
        name: 'rate-limit-429',
        requests: 14,
        legacy: {
          status: 429,
          body: { error: 'Too Many Requests', reject_reason: 'inflight_limit' },
          retryAfterSeconds: 1,
        },
        v3: {
          status: 429,
          body: { error: 'Too Many Requests', reject_reason: 'inflight_limit' },
          retryAfterSeconds: 1,
        },
      },
      { name: 'recovered' },
    ],
    expectedCause: 'rate_limited',
  },
  'outage-500': {
    description: 'provider outage: 500 on all requests, then recovery',
    phases: outage(500),
    expectedCause: 'provider_outage',
  },
  'outage-503': {
    description: 'provider outage: 503 on all requests, then recovery',
    phases: outage(503),
    expectedCause: 'provider_outage',
  },
  timeout: {
    description: 'generate calls hang past the probe timeout (DNS fine)',
    phases: [{ name: 'timeout', legacy: { fault: 'hang' }, v3: { fault: 'hang' } }],
    expectedCause: 'degraded_performance',
  },
  'dns-failure': {
    description: 'the API host does not resolve',
    phases: [{ name: 'dns-failure', dns: 'fail' }],
    expectedCause: 'network_dns',
    unresolvableHost: true,
  },
  slow: {
    description: 'generation works but P95 latency is over 30 s',
    phases: [{ name: 'slow', legacy: { latencyMs: [60_000, 80_000] }, v3: { latencyMs: [60_000, 80_000] } }],
    expectedCause: 'degraded_performance',
  },
  'expired-download': {
    description: 'generation works but image URLs are already expired',
    phases: [{ name: 'expired-download', images: { expired: true } }],
    expectedCause: 'download_failure',
  },
  'partial-outage': {
    description: 'legacy /generate fails with 500, V3 works',
    phases: [{ name: 'partial-outage', legacy: down(500, { error: 'Internal Server Error' }) }],
    expectedCause: 'partial_outage',
  },
};
