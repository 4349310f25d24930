import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runbookIds } from '../../src/runbooks/index.ts';
import { runbookTooling } from '../../src/runbooks/tooling/index.ts';
import { loadScenarioFile, parseScenarioPhases, ScenarioFileError } from '../../src/simulator/scenarios.ts';

/**
 * Scenario files refuse a key they do not know at any depth, with its JSON path and the key it most
 * likely stands for: a dropped `statsu` would turn an outage drill into a healthy one.
 */
const corpus = fileURLToPath(new URL('../drill/scenarios/', import.meta.url));

function refusal(run: () => unknown): ScenarioFileError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioFileError);
    expect((err as ScenarioFileError).exitCode).toBe(2);
    return err as ScenarioFileError;
  }
  throw new Error('expected a ScenarioFileError, nothing was thrown');
}

describe('scenario files refuse unknown keys', () => {
  it('every file of the drill corpus (test/drill/scenarios) loads through the loader', async () => {
    const files = (await readdir(corpus)).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) expect(loadScenarioFile(join(corpus, file)).length, file).toBeGreaterThan(0);
  });

  it('every built-in scenario of every runbook passes its own profile', () => {
    for (const id of runbookIds()) {
      const { scenarios, simulator } = runbookTooling(id);
      for (const [name, scenario] of Object.entries(scenarios)) {
        expect(
          () => parseScenarioPhases(scenario.phases, `${id} scenario ${name}`, simulator),
          `${id}/${name}`,
        ).not.toThrow();
      }
    }
  });

  it.each([
    ['an endpoint field', [{ legacy: { statsu: 500 } }, {}], '$[0].legacy.statsu: unknown key — did you mean status?'],
    [
      'a phase field',
      [{ name: 'down', durationMS: 1000 }, {}],
      '$[0].durationMS: unknown key — did you mean durationMs?',
    ],
    ['an endpoint id', [{}, { lagecy: { status: 500 } }, {}], '$[1].lagecy: unknown key — did you mean legacy?'],
    [
      'a status page field',
      [{ statusPage: { indicatr: 'major' } }],
      '$[0].statusPage.indicatr: unknown key — did you mean indicator?',
    ],
    ['an image field', [{ images: { expird: true } }], '$[0].images.expird: unknown key — did you mean expired?'],
    [
      'a key with nothing close',
      [{ v3: { zzzzzzzz: 1 } }],
      '$[0].v3.zzzzzzzz: unknown key — valid keys here: status, body, latencyMs, fault, retryAfterSeconds, headers',
    ],
  ])('names %s with its JSON path and the closest valid key', (_what, phases, message) => {
    expect(refusal(() => parseScenarioPhases(phases, 'f.json')).message).toContain(`invalid f.json: ${message}`);
  });

  it('names every unknown key of a file, and says what a phase looks like', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'scenario-')), 'typos.json');
    await writeFile(
      path,
      JSON.stringify([{ requests: 5, legacy: { statsu: 500 }, v3: { fualt: 'reset' } }, { name: 'recovered' }]),
    );
    const message = refusal(() => loadScenarioFile(path)).message;
    expect(message).toContain(
      `invalid ${path}: $[0].legacy.statsu: unknown key — did you mean status?; $[0].v3.fualt: unknown key — did you mean fault?`,
    );
    expect(message).toContain('fix or remove the key; a scenario file is a JSON list of phases like');
  });

  it("uses the runbook's own profile: an Ideogram endpoint in an OpenAI scenario is unknown", () => {
    const openai = runbookTooling('openai').simulator;
    expect(refusal(() => parseScenarioPhases([{ legacy: { status: 500 } }], 'f.json', openai)).message).toMatch(
      /\$\[0\]\.legacy: unknown key/,
    );
  });
});
