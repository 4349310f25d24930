/** Built-in scenarios of the OpenAI-compatible API: phases per endpoint id and the cause each should end with. */
import type { BuiltinScenarioDefinition } from '../../types.ts';
import { openAiError } from './simulator.ts';

const API = ['models', 'chat', 'images'] as const;
/** The same behaviour on every API endpoint. */
const everyEndpoint = (behavior: Record<string, unknown>) => Object.fromEntries(API.map((id) => [id, behavior]));

const RATE_LIMIT_HEADERS = {
  'x-ratelimit-limit-requests': '500',
  'x-ratelimit-remaining-requests': '0',
  'x-ratelimit-reset-requests': '2s',
};

/**
 * Faults a plan fixes recover on their own after enough requests for triage, its confirmation
 * rounds and the first change (8 for a key or quota, 14 for limits and outages: a triage round is
 * 4 requests, a confirmation round 2); the timeout persists and ends with a human's confirmation.
 */
export const openaiScenarios: Record<string, BuiltinScenarioDefinition> = {
  healthy: { description: 'everything works', phases: [{ name: 'healthy' }], expectedCause: 'healthy' },
  'auth-401': {
    description: 'the key is revoked: 401 invalid_api_key until a new key is in place',
    phases: [
      {
        name: 'auth-401',
        requests: 8,
        ...everyEndpoint({
          status: 401,
          body: openAiError('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'),
        }),
      },
      { name: 'new-key-accepted' },
    ],
    expectedCause: 'auth_failure',
  },
  'quota-429': {
    description: 'quota exhausted: 429 insufficient_quota, then raised',
    phases: [
      {
        name: 'quota-429',
        requests: 8,
        ...everyEndpoint({
          status: 429,
          body: openAiError('You exceeded your current quota.', 'insufficient_quota', 'insufficient_quota'),
        }),
      },
      { name: 'quota-raised' },
    ],
    expectedCause: 'quota_exhausted',
  },
  'rate-limit-429': {
    description: 'sustained 429 rate_limit_exceeded with retry-after and x-ratelimit-* headers, then the limit lifts',
    phases: [
      {
        name: 'rate-limit-429',
        requests: 14,
        ...everyEndpoint({
          status: 429,
          body: openAiError('Rate limit reached for requests.', 'requests', 'rate_limit_exceeded'),
          retryAfterSeconds: 1,
          headers: RATE_LIMIT_HEADERS,
        }),
      },
      { name: 'recovered' },
    ],
    expectedCause: 'rate_limited',
  },
  'outage-500': {
    description: 'provider outage: 500 on every endpoint and a major incident on the status page, then recovery',
    phases: [
      {
        name: 'outage-500',
        requests: 14,
        ...everyEndpoint({ status: 500 }),
        statusPage: { indicator: 'major', description: 'Elevated error rates' },
      },
      { name: 'recovered' },
    ],
    expectedCause: 'provider_outage',
  },
  timeout: {
    description: 'chat and image calls hang past the probe timeout (DNS fine)',
    phases: [{ name: 'timeout', chat: { fault: 'hang' }, images: { fault: 'hang' } }],
    expectedCause: 'degraded_performance',
  },
};
