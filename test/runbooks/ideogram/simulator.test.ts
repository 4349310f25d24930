/**
 * The Ideogram simulator profile (src/runbooks/ideogram/runbook.yaml, tooling.simulator) serves
 * requests as recorded in recorded/simulator.json: the units, latency and success body, routes and
 * error bodies the TypeScript profile it replaced served, and a 400 naming the field of a bad request.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runbookTooling } from '../../../src/runbooks/tooling/index.ts';
import type { SimulatedRequest, SimulatorProfile } from '../../../src/runbooks/tooling/types.ts';

const document = runbookTooling('ideogram').simulator;
const RECORDED = JSON.parse(readFileSync(new URL('./recorded/simulator.json', import.meta.url), 'utf8')) as {
  served: unknown[];
  routes: unknown[];
  errorBodies: Record<string, unknown>;
};

const legacy = (request: Record<string, unknown>) => ({ image_request: request });
const REQUESTS: Array<[string, unknown]> = [
  ['legacy', legacy({ prompt: 'a lighthouse', model: 'V_2_TURBO', magic_prompt_option: 'OFF' })],
  ['legacy', legacy({ prompt: 'a lighthouse', model: 'V_2_TURBO', num_images: 2, seed: 42, style_type: 'REALISTIC' })],
  ['legacy', legacy({ prompt: 'x', num_images: '3', aspect_ratio: 'ASPECT_16_9' })],
  ['legacy', legacy({ prompt: 'something unsafe' })],
  ['v3', { prompt: 'triage test', rendering_speed: 'FLASH', magic_prompt: 'OFF', aspect_ratio: '16x9' }],
  ['v3', { prompt: 'x', rendering_speed: 'QUALITY', seed: '7', num_images: '2' }],
  ['v3', { prompt: 'x' }],
];
const BAD: Array<[string, unknown, string]> = [
  ['legacy', legacy({ model: 'V_2' }), 'prompt'],
  ['legacy', legacy({ prompt: '' }), 'prompt'],
  ['legacy', legacy({ prompt: 'x', num_images: 9 }), 'num_images'],
  ['legacy', legacy({ prompt: 'x', model: 'V_9' }), 'model'],
  ['legacy', legacy({ prompt: 'x', aspect_ratio: '16x9' }), 'aspect_ratio'],
  ['v3', { prompt: 'x', rendering_speed: 'LUDICROUS' }, 'rendering_speed'],
  ['v3', { prompt: 'x', aspect_ratio: '16:9' }, 'aspect_ratio'],
  ['v3', { prompt: 'x', seed: 'abc' }, 'seed'],
];

const parseWith = (profile: SimulatorProfile, endpoint: string, body: unknown) =>
  profile.endpoints.find((e) => e.id === endpoint)!.parse!(body);
const now = new Date('2026-12-05T10:00:00Z');
const served = (profile: SimulatorProfile, endpoint: string, request: SimulatedRequest) => {
  let files = 0;
  return {
    units: request.units,
    latencyMs: request.latencyMs,
    body: profile.success(endpoint, request, { fileUrl: () => `http://sim/images/${++files}`, now }),
  };
};

describe('the Ideogram simulator profile', () => {
  it.each(REQUESTS.map(([endpoint, body], i) => [endpoint, body, i] as const))(
    '%s %j: the recorded units, latency and answer',
    (endpoint, body, i) => {
      const parsed = parseWith(document, endpoint, body) as SimulatedRequest;
      expect(typeof parsed).toBe('object');
      expect(served(document, endpoint, parsed)).toEqual(RECORDED.served[i]);
    },
  );

  it.each(BAD)('%s %j: a 400 naming %s', (endpoint, body, field) => {
    expect(parseWith(document, endpoint, body)).toContain(field);
  });

  it('the recorded routes and error bodies', () => {
    expect(document.endpoints.map(({ id, kind, method, path }) => ({ id, kind, method, path }))).toEqual(
      RECORDED.routes,
    );
    for (const status of [400, 404, 500, 503])
      expect(document.errorBody(status)).toEqual(RECORDED.errorBodies[String(status)]);
  });
});
