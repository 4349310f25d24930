import type { ProbeSpecInput } from '../../contract/index.ts';

/** An OpenAI-compatible API's Quick Triage, as data. Chat and image calls cost money: billed. */
export const OPENAI_PROBE_IDS = {
  models: 'list_models',
  chat: 'chat_completion',
  images: 'image_generation',
  dns: 'dns',
  statusPage: 'status_page',
} as const;

/** The key travels as `Authorization: Bearer <key>`. */
const BEARER = { header: 'Authorization', prefix: 'Bearer ' };

const chat = (description: string): ProbeSpecInput => ({
  kind: 'http',
  id: OPENAI_PROBE_IDS.chat,
  description,
  method: 'POST',
  path: '/v1/chat/completions',
  json: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'triage ping' }], max_tokens: 1 },
  auth: BEARER,
  billed: true,
  timeoutMs: 30_000,
  expectJson: ['choices.0.message'],
});

const images = (description: string): ProbeSpecInput => ({
  kind: 'http',
  id: OPENAI_PROBE_IDS.images,
  description,
  method: 'POST',
  path: '/v1/images/generations',
  json: { model: 'gpt-image-1', prompt: 'triage test', size: '1024x1024', n: 1 },
  auth: BEARER,
  billed: true,
  timeoutMs: 60_000,
  expectJson: ['data.0'],
});

/** The Statuspage JSON (free): its indicator is a hint, never enough on its own. */
export const openaiStatusPageProbe: ProbeSpecInput = {
  kind: 'http',
  id: OPENAI_PROBE_IDS.statusPage,
  description: 'Provider status page, Statuspage format (free)',
  method: 'GET',
  path: '',
  urlFrom: 'statusPageUrl',
  billed: false,
  timeoutMs: 5_000,
  extractField: 'status.indicator',
  expectJson: ['status.indicator'],
};

export const openaiTriageProbes: ProbeSpecInput[] = [
  {
    kind: 'http',
    id: OPENAI_PROBE_IDS.models,
    description: 'Key and connectivity: GET /v1/models (free)',
    method: 'GET',
    path: '/v1/models',
    auth: BEARER,
    billed: false,
    timeoutMs: 10_000,
    expectJson: ['data'],
  },
  chat('Chat: POST /v1/chat/completions (one token)'),
  images('Images: POST /v1/images/generations (one image)'),
  { kind: 'dns', id: OPENAI_PROBE_IDS.dns, description: 'DNS resolution of the API host', timeoutMs: 5_000 },
  openaiStatusPageProbe,
];

/** Real calls: recovery, relapse and a change of failure class are judged by these. */
export const openaiRealProbes: ProbeSpecInput[] = [
  chat('Real check: POST /v1/chat/completions'),
  images('Real check: POST /v1/images/generations'),
];
