// SKELETON — the incident workflow helper (issue 4) owns and completes this definition;
// the probes helper (issue 3) supplies probes.ts and decision.ts beside it.
import type { RunbookDefinition } from '../types.ts';

export const ideogramRunbook: RunbookDefinition = {
  id: 'ideogram',
  title: 'Ideogram Integration',
  defaultService: {
    name: 'ideogram-service',
    baseUrl: 'https://api.ideogram.ai',
    statusPageUrl: 'https://status.ideogram.ai/api/v2/status.json',
    apiHost: 'api.ideogram.ai',
    apiKeyRef: { kind: 'env', name: 'IDEOGRAM_API_KEY' },
    kubernetes: {
      namespace: 'default',
      deployment: 'ideogram-service',
      secretName: 'ideogram-secrets',
      secretKey: 'api-key',
      batchSelector: 'runbook.dev/batch=ideogram',
    },
  },
  triageProbes: [],
  classify: () => ({ cause: 'healthy', severity: 'P4', rationale: 'not implemented', evidence: [] }),
  causes: {},
};
