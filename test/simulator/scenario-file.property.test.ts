/**
 * Properties of scenario files (src/simulator/scenarios.ts): any JSON the schema describes loads
 * unchanged; anything else is refused with a ScenarioFileError naming the JSON path ($…) of the
 * bad field; assertDrillEnds refuses exactly the files whose last phase fails the API or ends.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assertDrillEnds,
  parseScenarioPhases,
  ScenarioFileError,
  type ScenarioPhase,
} from '../../src/simulator/scenarios.ts';

const json = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

const latency = fc.oneof(
  fc.double({ min: 0, max: 1e6, noNaN: true }),
  fc.tuple(fc.nat(100_000), fc.nat(100_000)).map(([a, b]) => [Math.min(a, b), Math.max(a, b)]),
);
const behaviourFields = {
  status: fc.integer({ min: 100, max: 599 }),
  body: fc.jsonValue({ maxDepth: 2 }),
  latencyMs: latency,
  fault: fc.constantFrom('hang', 'reset', 'html', 'truncated'),
  retryAfterSeconds: fc.nat(3_600),
};
const behaviour = fc.record(behaviourFields, { requiredKeys: [] });
const statusPage = fc.record(
  {
    ...behaviourFields,
    indicator: fc.constantFrom('none', 'minor', 'major', 'critical'),
    description: fc.string({ maxLength: 20 }),
  },
  { requiredKeys: [] },
);
const images = fc.record({ ...behaviourFields, expired: fc.boolean() }, { requiredKeys: [] });
const end = fc.oneof(
  fc.constant({}),
  fc.record({ durationMs: fc.integer({ min: 1, max: 1e9 }) }),
  fc.record({ requests: fc.integer({ min: 1, max: 1e6 }) }),
);
/** Any phase the schema accepts. */
const phase = fc
  .tuple(
    fc.record(
      {
        name: fc.string({ maxLength: 20 }),
        legacy: behaviour,
        v3: behaviour,
        statusPage,
        images,
        dns: fc.constantFrom('ok', 'fail'),
      },
      { requiredKeys: [] },
    ),
    end,
  )
  .map(([p, e]) => json({ ...p, ...e }) as ScenarioPhase);
/** A last phase that serves the API: half of them, so both outcomes of assertDrillEnds are common. */
const healthyPhase = fc
  .record(
    {
      name: fc.string({ maxLength: 20 }),
      legacy: fc.record({ status: fc.integer({ min: 100, max: 399 }), latencyMs: latency }, { requiredKeys: [] }),
      v3: fc.record(
        { status: fc.integer({ min: 100, max: 399 }), body: fc.jsonValue({ maxDepth: 1 }) },
        { requiredKeys: [] },
      ),
      statusPage,
      images,
      dns: fc.constant('ok'),
    },
    { requiredKeys: [] },
  )
  .map((p) => json(p) as ScenarioPhase);
const scenarioFile = fc
  .tuple(fc.array(phase, { maxLength: 4 }), fc.oneof(phase, healthyPhase))
  .map(([head, last]) => [...head, last]);

function refusal(run: () => unknown): ScenarioFileError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioFileError);
    return err as ScenarioFileError;
  }
  throw new Error('expected a ScenarioFileError, nothing was thrown');
}

/** The "$…: message" problems of a refusal, before the trailing hint. */
const problems = (err: Error) =>
  err.message
    .replace(/^invalid [^:]*: /, '')
    .split(' — ')[0]!
    .split('; ');

/** One wrong value at a known place, and the JSON path the error must name. */
const corruption: fc.Arbitrary<{ path: readonly string[]; value: unknown }> = fc.oneof(
  fc.record({
    path: fc.constant(['legacy', 'status']),
    value: fc.oneof(
      fc.integer({ min: 600 }),
      fc.integer({ max: 99 }),
      fc.constant(200.5),
      fc.constant('503'),
      fc.constant(null),
    ),
  }),
  fc.record({
    path: fc.constantFrom(['v3', 'fault'], ['legacy', 'fault']),
    value: fc.oneof(
      fc.string().filter((s) => !['hang', 'reset', 'html', 'truncated'].includes(s)),
      fc.integer(),
    ),
  }),
  fc.record({
    path: fc.constantFrom(['v3', 'latencyMs'], ['statusPage', 'latencyMs']),
    value: fc.oneof(
      fc.integer({ max: -1 }),
      fc.tuple(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 100 })).map(([a, b]) => [a + b, a]),
    ),
  }),
  fc.record({
    path: fc.constant(['durationMs']),
    value: fc.oneof(fc.integer({ max: 0 }), fc.constant(1.5), fc.constant('10')),
  }),
  fc.record({ path: fc.constant(['requests']), value: fc.oneof(fc.integer({ max: 0 }), fc.constant(true)) }),
  fc.record({ path: fc.constant(['dns']), value: fc.string().filter((s) => s !== 'ok' && s !== 'fail') }),
  fc.record({ path: fc.constant(['statusPage', 'indicator']), value: fc.constantFrom('red', 'MAJOR', '', 3) }),
  fc.record({ path: fc.constant(['images', 'expired']), value: fc.constantFrom('yes', 1, null) }),
  fc.record({ path: fc.constant(['legacy', 'retryAfterSeconds']), value: fc.constantFrom(-1, 0.5, '1') }),
  fc.record({ path: fc.constant(['legacy']), value: fc.constantFrom('down', 503, null, [] as unknown[]) }),
);

const jsonPath = (path: readonly (string | number)[]) =>
  `$${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}`;

describe('scenario files (properties)', () => {
  it('any JSON the schema describes loads, unchanged', () => {
    fc.assert(
      fc.property(scenarioFile, (file) => {
        expect(parseScenarioPhases(json(file), 'f.json')).toEqual(file);
      }),
      { numRuns: 300 },
    );
  });

  it('a wrong value anywhere is refused with a ScenarioFileError naming its JSON path', () => {
    fc.assert(
      fc.property(scenarioFile, fc.nat(), corruption, (file, at, { path, value }) => {
        const index = at % file.length;
        const bad = json(file) as unknown as Record<string, unknown>[];
        // Build the path down to the field, replacing whatever was there.
        let node: Record<string, unknown> = bad[index]!;
        for (const key of path.slice(0, -1)) {
          if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
          node = node[key] as Record<string, unknown>;
        }
        node[path.at(-1)!] = value;
        // A duration next to a request count is its own error ($[i]); keep the one under test alone.
        if (path[0] === 'durationMs') delete bad[index]!.requests;
        if (path[0] === 'requests') delete bad[index]!.durationMs;
        const err = refusal(() => parseScenarioPhases(bad, 'f.json'));
        const named = problems(err);
        expect(named.every((p) => p.startsWith('$'))).toBe(true);
        expect(named.some((p) => p.startsWith(`${jsonPath([index, ...path])}:`))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('unknown fields (at their own path), both durationMs and requests, and a file that is not a list are refused', () => {
    fc.assert(
      fc.property(scenarioFile, fc.nat(), fc.string({ minLength: 1, maxLength: 12 }), (file, at, key) => {
        fc.pre(!['name', 'durationMs', 'requests', 'legacy', 'v3', 'statusPage', 'images', 'dns'].includes(key));
        const index = at % file.length;
        const unknown = json(file) as unknown as Record<string, unknown>[];
        // As JSON.parse makes it: an own property, even for "__proto__".
        Object.defineProperty(unknown[index]!, key, { value: 1, enumerable: true, writable: true, configurable: true });
        // (The key is arbitrary text, "; " included: look for it in the whole message.)
        const message = refusal(() => parseScenarioPhases(unknown)).message;
        expect(message).toContain(`${jsonPath([index, key])}: unknown key — `);

        const both = json(file) as unknown as Record<string, unknown>[];
        Object.assign(both[index]!, { durationMs: 10, requests: 10 });
        expect(problems(refusal(() => parseScenarioPhases(both)))).toContain(
          `$[${index}]: a phase lasts either durationMs or requests, not both`,
        );
      }),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(
        fc.jsonValue().filter((v) => !Array.isArray(v)),
        (value) => {
          expect(problems(refusal(() => parseScenarioPhases(value))).every((p) => p.startsWith('$:'))).toBe(true);
        },
      ),
    );
    expect(problems(refusal(() => parseScenarioPhases([])))).toEqual(['$: at least one phase']);
  });

  it('any JSON value at all either loads or is refused with paths starting with $', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue({ maxDepth: 4 }),
          fc.array(
            fc.dictionary(
              fc.constantFrom('name', 'legacy', 'v3', 'dns', 'durationMs', 'requests', 'x'),
              fc.jsonValue({ maxDepth: 2 }),
            ),
          ),
        ),
        (value) => {
          let loaded: ScenarioPhase[] | undefined;
          try {
            loaded = parseScenarioPhases(value);
          } catch (err) {
            expect(err).toBeInstanceOf(ScenarioFileError);
            // Unknown keys are arbitrary text (they may hold "; " or ": "), so only the first problem is parsed.
            expect((err as Error).message).toMatch(
              /^invalid scenario: \$(\[\d+\]|\.[A-Za-z][A-Za-z0-9]*)*(: |\.[^]*: unknown key — )/,
            );
            return;
          }
          expect(loaded).toEqual(value);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('assertDrillEnds refuses exactly the files whose last phase fails the API or has an end', () => {
    let refused = 0;
    let accepted = 0;
    fc.assert(
      fc.property(scenarioFile, (file) => {
        const last = file.at(-1)!;
        const fails =
          [last.legacy, last.v3]
            .map((b) => b as { fault?: string; status?: number } | undefined)
            .some((b) => b?.fault !== undefined || (b?.status !== undefined && b.status >= 400)) ||
          last.dns === 'fail' ||
          last.durationMs !== undefined ||
          last.requests !== undefined;
        if (!fails) {
          accepted++;
          expect(assertDrillEnds(file, 'f.json')).toBe(file);
          return;
        }
        refused++;
        const named = problems(refusal(() => assertDrillEnds(file, 'f.json')));
        expect(named.length).toBeGreaterThan(0);
        // Every problem is about the last phase, by its JSON path.
        expect(named.every((p) => p.startsWith(`$[${file.length - 1}]`))).toBe(true);
      }),
      { numRuns: 400 },
    );
    // Both outcomes were exercised.
    expect(refused).toBeGreaterThan(20);
    expect(accepted).toBeGreaterThan(20);
  });

  it('only the last phase matters to assertDrillEnds: failing phases before a healthy end are fine', () => {
    fc.assert(
      fc.property(fc.array(phase, { minLength: 1, maxLength: 5 }), (head) => {
        const file = [...head, { name: 'recovered' }];
        expect(assertDrillEnds(file, 'f.json')).toBe(file);
        expect(() => assertDrillEnds([...file, { name: 'down again', legacy: { status: 500 } }], 'f.json')).toThrow(
          `$[${file.length}].legacy.status: 500`,
        );
      }),
    );
  });
});
