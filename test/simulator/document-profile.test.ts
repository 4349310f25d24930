/** A simulator profile written as data: request rules, latency by a field, success bodies that echo the request. */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Tooling } from '../../src/runbooks/documents/schema-tooling.ts';
import { simulatorProfileOf } from '../../src/runbooks/tooling/document-simulator.ts';
import type { SimulatedRequest } from '../../src/runbooks/tooling/types.ts';

const PROFILE = `
name: Images (simulated)
auth: { header: Api-Key }
unresolvableHost: images.invalid
endpoints:
  - id: generate
    kind: api
    method: POST
    path: /generate
    request:
      prompt: { required: true, minLength: 1 }
      speed: { enum: [FAST, SLOW], default: SLOW }
      count: { type: integer, min: 1, max: 4, default: 1 }
      seed: { type: integer, min: 0 }
      aspect: { pattern: "\\\\d+x\\\\d+", patternHint: like 16x9 }
      style: { default: GENERAL }
    latencyBy: { field: speed, values: { FAST: [1000, 2000] }, otherwise: [5000, 9000] }
    units: count
    perUnit: data
    perUnitWhen: [{ field: prompt, matches: "\\\\bunsafe\\\\b", set: { url: "", safe: false } }]
    success:
      created: "{{nowIso}}"
      data: [{ url: "{{fileUrl}}", prompt: "{{request.prompt}}", safe: true, seed: "{{request.seed|hash:prompt}}", style: "{{request.style}}" }]
unauthorized: { status: 401, body: { error: unauthorized } }
inflightLimited: { body: { error: busy } }
errors: { 5xx: { error: "HTTP {status}" } }
`;

const profile = simulatorProfileOf(Tooling.shape.simulator.parse(parse(PROFILE)));
const generate = profile.endpoints.find((e) => e.id === 'generate')!;
const now = new Date('2026-12-05T10:00:00Z');
let files = 0;
const answer = (request: SimulatedRequest) =>
  profile.success('generate', request, { fileUrl: () => `http://sim/files/${++files}`, now }) as {
    created: string;
    data: Array<Record<string, unknown>>;
  };

describe('a simulator profile written as data', () => {
  it('answers 400 naming each field that breaks its rule', () => {
    expect(generate.parse!({ speed: 'FAST' })).toBe('Invalid request: prompt: Field required');
    const bad = generate.parse!({ prompt: '', speed: 'LUDICROUS', count: 9, seed: 'abc', aspect: '16:9' });
    expect(bad).toBe(
      'Invalid request: prompt: must have at least 1 character; speed: expected one of FAST, SLOW; count: must be at most 4; seed: expected an integer; aspect: like 16x9',
    );
  });

  it('reads multipart text as numbers, fills defaults, and takes the latency the field value documents', () => {
    const fast = generate.parse!({ prompt: 'a lighthouse', speed: 'FAST', count: '2' }) as SimulatedRequest;
    expect(fast).toEqual({
      units: 2,
      latencyMs: [1000, 2000],
      fields: { prompt: 'a lighthouse', speed: 'FAST', count: 2, style: 'GENERAL' },
    });
    expect((generate.parse!({ prompt: 'x' }) as SimulatedRequest).latencyMs).toEqual([5000, 9000]);
  });

  it('echoes request fields into one element per unit, derives a stable seed when none is asked for, and overrides unsafe units', () => {
    const body = answer(
      generate.parse!({ prompt: 'a lighthouse', count: 2, seed: 42, style: 'REALISTIC' }) as SimulatedRequest,
    );
    expect(body.created).toBe('2026-12-05T10:00:00.000Z');
    expect(body.data).toEqual([
      {
        url: expect.stringMatching(/^http:\/\/sim\/files\/\d+$/),
        prompt: 'a lighthouse',
        safe: true,
        seed: 42,
        style: 'REALISTIC',
      },
      {
        url: expect.stringMatching(/^http:\/\/sim\/files\/\d+$/),
        prompt: 'a lighthouse',
        safe: true,
        seed: 42,
        style: 'REALISTIC',
      },
    ]);
    expect(body.data[0]!.url).not.toBe(body.data[1]!.url);
    const unseeded = () => answer(generate.parse!({ prompt: 'a lighthouse' }) as SimulatedRequest).data[0]!.seed;
    expect(typeof unseeded()).toBe('number');
    expect(unseeded()).toBe(unseeded());
    expect(answer(generate.parse!({ prompt: 'something UNSAFE' }) as SimulatedRequest).data[0]).toMatchObject({
      url: '',
      safe: false,
    });
  });
});
