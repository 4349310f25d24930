import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  alertIncidentGeneration,
  alertIncidentId,
  incidentSlot,
  incidentWorkflowId,
  utcDay,
} from '../../src/contract/index.ts';

const target = { runbook: 'ideogram', service: 'ideogram-service' };

describe('alertIncidentId', () => {
  it('names the slot, the UTC day and the generation', () => {
    expect(alertIncidentId(target, 'q', '20261205')).toBe('incident:ideogram:ideogram-service:20261205-1@q');
    expect(alertIncidentId(target, 'q', '20261205', 13)).toBe('incident:ideogram:ideogram-service:20261205-13@q');
    expect(alertIncidentGeneration('incident:ideogram:ideogram-service:20261205-13@q')).toEqual({
      day: '20261205',
      generation: 13,
    });
    expect(utcDay(new Date('2026-12-05T23:59:59.999Z'))).toBe('20261205');
  });

  it('gives no two slots, days or generations one id, whatever the names (the hyphen and dot cases included)', () => {
    // A service ending in "-2" and a second generation, a runbook/service boundary moved by a hyphen, a dot before the queue.
    const pairs: Array<[Parameters<typeof alertIncidentId>, Parameters<typeof alertIncidentId>]> = [
      [
        [{ runbook: 'rb', service: 'foo-2' }, 'q', '20261205', 1],
        [{ runbook: 'rb', service: 'foo' }, 'q', '20261205', 2],
      ],
      [
        [{ runbook: 'a-b', service: 'c' }, 'q', '20261205'],
        [{ runbook: 'a', service: 'b-c' }, 'q', '20261205'],
      ],
      [
        [{ runbook: 'rb', service: 'foo.x' }, 'y', '20261205'],
        [{ runbook: 'rb', service: 'foo' }, 'x.y', '20261205'],
      ],
    ];
    for (const [a, b] of pairs) expect(alertIncidentId(...a)).not.toBe(alertIncidentId(...b));
    const name = fc.string({ minLength: 1, maxLength: 12 });
    const key = fc.tuple(name, name, name, fc.constantFrom('20261204', '20261205'), fc.integer({ min: 1, max: 30 }));
    fc.assert(
      fc.property(key, key, (a, b) => {
        const id = ([runbook, service, queue, day, generation]: typeof a) =>
          alertIncidentId({ runbook, service }, queue, day, generation);
        fc.pre(JSON.stringify(a) !== JSON.stringify(b));
        expect(id(a)).not.toBe(id(b));
        expect(alertIncidentGeneration(id(a))).toEqual({ day: a[3], generation: a[4] });
      }),
      { numRuns: 2000 },
    );
  });

  it('never looks like a manual or drill id, and its slot is the search attribute value', () => {
    expect(
      alertIncidentGeneration(incidentWorkflowId(new Date('2026-12-05T00:00:00Z'), 'ideogram ideogram-service')),
    ).toBeUndefined();
    expect(alertIncidentId(target, 'q', '20261205')).not.toMatch(/^[A-Za-z0-9._-]+$/);
    expect(incidentSlot(target, 'q')).toBe('ideogram:ideogram-service@q');
  });
});
