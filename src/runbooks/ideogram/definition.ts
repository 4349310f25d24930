// SKELETON — the incident workflow helper (issue 4) owns and completes this definition;
// the probes helper (issue 3) supplies probes.ts and decision.ts beside it.
import type { RunbookDefinition } from '../types.ts';
import { classifyIdeogram, IDEOGRAM_CAUSES } from './decision.ts';
import { ideogramTriageProbes } from './probes.ts';

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
  triageProbes: ideogramTriageProbes,
  classify: (results, history) => classifyIdeogram(results, history),
  causes: IDEOGRAM_CAUSES,
};
