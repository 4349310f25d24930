/**
 * The Ideogram runbook's settings and default service (src/runbooks/ideogram/runbook.yaml): what a
 * worker builds from RUNBOOK_* variables, which objects a service's settings let it change, and how
 * a mistyped setting is refused — as the TypeScript runbook the document replaced did.
 */
import { describe, expect, it } from 'vitest';
import { getRunbook } from '../../../src/runbooks/index.ts';

const ideogram = getRunbook('ideogram');

describe('the Ideogram settings', () => {
  it('a worker builds them from RUNBOOK_* variables', () => {
    expect(
      ideogram.settings.fromConfig({
        RUNBOOK_K8S_SECRET: 'img-secrets',
        RUNBOOK_BATCH_SELECTOR: 'team=img',
        RUNBOOK_AUTO_APPROVE_P1_FALLBACK: false,
      }),
    ).toEqual({ secretName: 'img-secrets', batchSelector: 'team=img', autoApproveP1Fallback: false });
  });

  it("a service's settings name the secret and CronJobs it may change", () => {
    const service = { ...ideogram.defaultService, settings: { secretName: 's', batchSelector: 'a=b' } };
    expect(ideogram.settings.ownObjects(service)).toEqual({
      secrets: [{ name: 's', key: 'api-key' }],
      cronJobSelectors: ['a=b'],
    });
  });

  it('a mistyped setting is refused with the name it was meant to be', () => {
    expect(ideogram.settings.validate({ secretNme: 'x' })).toEqual([
      { path: ['secretNme'], message: 'unknown key — did you mean secretName?' },
    ]);
  });

  it('the default service is the Ideogram API with its key in IDEOGRAM_API_KEY', () => {
    expect(ideogram.defaultService).toEqual({
      name: 'ideogram-service',
      baseUrl: 'https://api.ideogram.ai',
      statusPageUrl: 'https://status.ideogram.ai/api/v2/status.json',
      apiHost: 'api.ideogram.ai',
      apiKeyRef: { kind: 'env', name: 'IDEOGRAM_API_KEY' },
      kubernetes: { namespace: 'default', deployment: 'ideogram-service' },
      settings: {},
    });
  });
});
