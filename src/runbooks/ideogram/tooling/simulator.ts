// src/runbooks/ideogram/tooling: the Ideogram runbook's simulator profile, scenarios and drill profile (pure data).
/** The Ideogram API as the simulator serves it: routes, request shapes, bodies. Pure data and functions. */
import { z } from 'zod';
import { apiEndpoint } from '../../tooling/simulated-endpoint.ts';
import type { SimulatedRequest, SimulatorProfile } from '../../tooling/types.ts';
import { lazySchema } from '../../../contract/lazy-schema.ts';

const MODELS = ['V_1', 'V_1_TURBO', 'V_2', 'V_2_TURBO', 'V_2A', 'V_2A_TURBO', 'V_3', 'AUTO'] as const;
const MAGIC = ['AUTO', 'ON', 'OFF'] as const;
const SPEEDS = ['FLASH', 'TURBO', 'BALANCED', 'DEFAULT', 'QUALITY'] as const;
const LEGACY_ASPECTS = [
  'ASPECT_1_1',
  'ASPECT_10_16',
  'ASPECT_16_10',
  'ASPECT_9_16',
  'ASPECT_16_9',
  'ASPECT_3_2',
  'ASPECT_2_3',
  'ASPECT_4_3',
  'ASPECT_3_4',
  'ASPECT_1_3',
  'ASPECT_3_1',
] as const;

const LegacyRequestSchema = lazySchema(() =>
  z.object({
    image_request: z.object({
      prompt: z.string().min(1),
      model: z.enum(MODELS).default('V_2'),
      magic_prompt_option: z.enum(MAGIC).optional(),
      num_images: z.coerce.number().int().min(1).max(8).default(1),
      seed: z.coerce.number().int().min(0).max(2147483647).optional(),
      aspect_ratio: z.enum(LEGACY_ASPECTS).optional(),
      style_type: z.string().optional(),
      resolution: z.string().optional(),
    }),
  }),
);
const V3RequestSchema = lazySchema(() =>
  z.object({
    prompt: z.string().min(1),
    rendering_speed: z.enum(SPEEDS).default('DEFAULT'),
    magic_prompt: z.enum(MAGIC).optional(),
    num_images: z.coerce.number().int().min(1).max(8).default(1),
    seed: z.coerce.number().int().min(0).max(2147483647).optional(),
    aspect_ratio: z
      .string()
      .regex(/^\d+x\d+$/, 'like 16x9')
      .optional(),
    style_type: z.string().optional(),
  }),
);

/** Provider-documented latency per rendering speed, before scaling. */
const SPEED_LATENCY: Record<string, [number, number]> = {
  FLASH: [2_000, 4_000],
  TURBO: [4_000, 8_000],
  BALANCED: [6_000, 12_000],
  DEFAULT: [6_000, 12_000],
  QUALITY: [10_000, 25_000],
};

function request(
  speed: string,
  numImages: number,
  fields: { prompt: string; style?: string; seed?: number },
): SimulatedRequest {
  return { units: numImages, latencyMs: SPEED_LATENCY[speed] ?? [6_000, 12_000], fields: { ...fields, numImages } };
}

/** Deterministic per call from the prompt, so the profile stays pure; the seed field is informative only. */
const seedOf = (prompt: string) => [...prompt].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 2147483647, 7);

export const ideogramSimulator: SimulatorProfile = {
  name: 'Ideogram (simulated)',
  auth: { header: 'Api-Key' },
  unresolvableHost: 'api.ideogram.invalid',
  endpoints: [
    apiEndpoint('legacy', '/generate', LegacyRequestSchema, ({ image_request: r }) =>
      request(r.model.endsWith('TURBO') ? 'TURBO' : 'DEFAULT', r.num_images, {
        prompt: r.prompt,
        style: r.style_type,
        seed: r.seed,
      }),
    ),
    apiEndpoint('v3', '/v1/ideogram-v3/generate', V3RequestSchema, (r) =>
      request(r.rendering_speed, r.num_images, { prompt: r.prompt, style: r.style_type, seed: r.seed }),
    ),
    { id: 'statusPage', kind: 'statusPage', method: 'GET', path: '/api/v2/status.json' },
    { id: 'images', kind: 'images', method: 'GET', path: '/images/*' },
  ],
  unauthorized: { status: 401, body: { error: 'Unauthorized: invalid or missing Api-Key' } },
  inflightLimited: {
    body: { error: 'Too many requests in flight', reject_reason: 'inflight_limit' },
    headers: { 'retry-after': '1' },
  },
  errorBody: (status) => ({ error: `HTTP ${status}` }),
  success: (_endpoint, req, { fileUrl, now }) => {
    const prompt = String(req.fields.prompt ?? '');
    const unsafe = /\bunsafe\b/i.test(prompt);
    const data = Array.from({ length: req.units }, () => {
      const url = fileUrl();
      return {
        url: unsafe ? '' : url,
        prompt,
        resolution: '1024x1024',
        is_image_safe: !unsafe,
        seed: typeof req.fields.seed === 'number' ? req.fields.seed : seedOf(prompt),
        style_type: req.fields.style ?? 'GENERAL',
      };
    });
    return { created: now.toISOString(), data };
  },
};
