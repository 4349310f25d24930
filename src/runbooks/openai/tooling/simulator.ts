// src/runbooks/openai/tooling: the OpenAI runbook's simulator profile, scenarios and drill profile (pure data).
/** An OpenAI-compatible API as the simulator serves it: routes, request shapes, bodies. Pure data and functions. */
import { z } from 'zod';
import { apiEndpoint } from '../../simulated-endpoint.ts';
import type { SimulatorProfile } from '../../types.ts';
import { lazySchema } from '../../../contract/lazy-schema.ts';

const ChatRequestSchema = lazySchema(() =>
  z.object({
    model: z.string().min(1),
    messages: z
      .array(z.object({ role: z.enum(['system', 'user', 'assistant', 'developer']), content: z.string() }))
      .min(1),
    max_tokens: z.number().int().positive().optional(),
  }),
);
const ImageRequestSchema = lazySchema(() =>
  z.object({
    model: z.string().min(1).default('gpt-image-1'),
    prompt: z.string().min(1),
    n: z.number().int().min(1).max(10).default(1),
    size: z
      .string()
      .regex(/^\d+x\d+$|^auto$/, 'like 1024x1024')
      .optional(),
  }),
);

/** OpenAI's error envelope: `{error: {message, type, code}}`. */
export const openAiError = (message: string, type: string, code: string | null) => ({
  error: { message, type, param: null, code },
});

export const openaiSimulator: SimulatorProfile = {
  name: 'OpenAI-compatible API (simulated)',
  auth: { header: 'Authorization', prefix: 'Bearer ' },
  unresolvableHost: 'api.openai.invalid',
  endpoints: [
    { id: 'models', kind: 'api', method: 'GET', path: '/v1/models' },
    apiEndpoint('chat', '/v1/chat/completions', ChatRequestSchema, (r) => ({
      units: 1,
      latencyMs: [300, 1_500],
      fields: { model: r.model },
    })),
    apiEndpoint('images', '/v1/images/generations', ImageRequestSchema, (r) => ({
      units: r.n,
      latencyMs: [5_000, 15_000],
      fields: { model: r.model },
    })),
    { id: 'statusPage', kind: 'statusPage', method: 'GET', path: '/api/v2/status.json' },
    { id: 'files', kind: 'images', method: 'GET', path: '/files/*' },
  ],
  unauthorized: {
    status: 401,
    body: openAiError('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'),
  },
  inflightLimited: {
    body: openAiError('Rate limit reached for requests.', 'requests', 'rate_limit_exceeded'),
    headers: {
      'retry-after': '1',
      'x-ratelimit-limit-requests': '10',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '1s',
    },
  },
  errorBody: (status) =>
    openAiError(
      status >= 500 ? 'The server had an error while processing your request.' : `HTTP ${status}`,
      status >= 500 ? 'server_error' : 'invalid_request_error',
      null,
    ),
  success: (endpoint, req, { fileUrl, now }) => {
    const created = Math.floor(now.getTime() / 1000);
    if (endpoint === 'models')
      return { object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model', owned_by: 'system' }] };
    if (endpoint === 'images')
      return {
        created,
        data: Array.from({ length: req.units }, () => ({ url: fileUrl(), revised_prompt: 'simulated' })),
      };
    return {
      id: 'chatcmpl-simulated',
      object: 'chat.completion',
      created,
      model: req.fields.model ?? 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: 'pong' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 2, completion_tokens: 1, total_tokens: 3 },
    };
  },
};
