import { describe, expect, it } from 'vitest';
import { alertIncidentId } from '../../src/contract/index.ts';

const target = { runbook: 'ideogram', service: 'ideogram-service' };

describe('alertIncidentId', () => {
  it('names the first generation without a number and later ones with theirs', () => {
    expect(alertIncidentId(target, 'q')).toBe('incident-ideogram-ideogram-service.q');
    expect(alertIncidentId(target, 'q', 1)).toBe('incident-ideogram-ideogram-service.q');
    expect(alertIncidentId(target, 'q', 2)).toBe('incident-ideogram-ideogram-service-2.q');
    expect(alertIncidentId(target, 'q', 13)).toBe('incident-ideogram-ideogram-service-13.q');
  });

  it('keeps generations and task queues apart when the names are too long for the id', () => {
    const long = { runbook: 'r'.repeat(80), service: 's'.repeat(80) };
    for (const queue of ['q', 'x'.repeat(200)]) {
      const ids = [1, 2, 3, 10, 11].map((g) => alertIncidentId(long, queue, g));
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of ids) expect(id.length).toBeLessThanOrEqual(120);
    }
    expect(alertIncidentId(long, 'queue-a', 2)).not.toBe(alertIncidentId(long, 'queue-b', 2));
  });
});
