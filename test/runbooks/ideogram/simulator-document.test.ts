/**
 * The Ideogram simulator profile written as data (runbook.yaml, tooling.simulator) serves requests
 * as the TypeScript profile does: the same units, latency and success body, and a 400 for the same
 * bad requests. Only the wording of a 400 differs; both name the field.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateRunbookDocument } from '../../../src/runbooks/documents/validate.ts';
import { ideogramSimulator } from '../../../src/runbooks/ideogram/tooling/simulator.ts';
import { simulatorProfileOf } from '../../../src/runbooks/tooling/document-simulator.ts';
import type { SimulatedRequest, SimulatorProfile } from '../../../src/runbooks/tooling/types.ts';

const checked = validateRunbookDocument(parse(readFileSync(new URL('./runbook.yaml', import.meta.url), 'utf8')));
if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
const document = simulatorProfileOf(checked.document.tooling.simulator);

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

describe('the Ideogram simulator profile as data', () => {
  it.each(REQUESTS)('%s %j: the same units, latency and answer', (endpoint, body) => {
    const expected = parseWith(ideogramSimulator, endpoint, body) as SimulatedRequest;
    const actual = parseWith(document, endpoint, body) as SimulatedRequest;
    expect(typeof actual).toBe('object');
    expect(served(document, endpoint, actual)).toEqual(served(ideogramSimulator, endpoint, expected));
  });

  it.each(BAD)('%s %j: a 400 naming %s', (endpoint, body, field) => {
    expect(parseWith(ideogramSimulator, endpoint, body)).toContain(field);
    expect(parseWith(document, endpoint, body)).toContain(field);
  });

  it('the same routes, auth, limits and error bodies', () => {
    const routes = (p: SimulatorProfile) =>
      p.endpoints.map(({ id, kind, method, path }) => ({ id, kind, method, path }));
    expect(routes(document)).toEqual(routes(ideogramSimulator));
    const { endpoints: _d, errorBody: _de, success: _ds, ...own } = document;
    const { endpoints: _t, errorBody: _te, success: _ts, ...theirs } = ideogramSimulator;
    expect(own).toEqual(theirs);
    for (const status of [400, 404, 500, 503])
      expect(document.errorBody(status)).toEqual(ideogramSimulator.errorBody(status));
  });
});
