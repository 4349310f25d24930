import { describe, expect, it } from 'vitest';
import type { ServiceCatalog } from '../../src/activities/catalog.ts';
import { RequestRefusedError, UnknownRunbookError } from '../../src/app/errors.ts';
import { prepareIncident } from '../../src/app/open-incident.ts';
import { catalogFromConfig } from '../../src/config/service-catalog.ts';
import { loadConfig } from '../../src/config/index.ts';
import { getRunbook } from '../../src/runbooks/index.ts';

/** The catalog built from variables alone: one service per built-in runbook. */
const catalog: ServiceCatalog = catalogFromConfig(loadConfig({}));
const request = { symptom: 'image generation returns 500', trigger: 'manual' as const, reporter: 'alice' };
const serviceOf = (runbook: string) => catalog.names().find((name) => catalog.require(name).runbook === runbook)!;

describe('preparing an incident (what `runbook start` and the console form both check)', () => {
  it("opens for the named service's runbook when no runbook is named", () => {
    const service = serviceOf('openai');
    expect(prepareIncident(catalog, { ...request, service })).toMatchObject({ runbook: 'openai', service });
  });

  it('reports an unknown runbook one way: UnknownRunbookError, a refusal naming the known runbooks', () => {
    let refused: unknown;
    try {
      prepareIncident(catalog, { ...request, runbook: 'nope' });
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(UnknownRunbookError);
    expect(refused).toBeInstanceOf(RequestRefusedError);
    expect((refused as Error).message).toMatch(/^unknown runbook "nope" — known: .*ideogram/);
  });

  it("refuses a cause the runbook does not know, naming the runbook's causes", () => {
    const causes = Object.keys(getRunbook('ideogram').causes);
    expect(() => prepareIncident(catalog, { ...request, runbook: 'ideogram', suspectedCause: 'martians' })).toThrow(
      new RequestRefusedError(`unknown cause "martians" for runbook ideogram — one of: ${causes.join(', ')}`),
    );
  });

  it('refuses a service another runbook handles', () => {
    expect(() => prepareIncident(catalog, { ...request, runbook: 'ideogram', service: serviceOf('openai') })).toThrow(
      /is handled by runbook openai, not ideogram/,
    );
  });
});
