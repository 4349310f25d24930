import type { ProbeSpecInput } from '../../contract/index.ts';

/**
 * The runbook page's Quick Triage (runbook-page.txt), as data. Generate calls cost credits: they are marked billed. The page's
 * step 4 ("Measure latency") makes a third generate call only to time it; here it reads the time of
 * step 1's call, which every probe result records, so a triage spends two billed calls, not three.
 */
export const IDEOGRAM_PROBE_IDS = {
  legacy: 'legacy_generate',
  v3: 'v3_generate',
  dns: 'dns',
  latency: 'latency',
  download: 'download',
  statusPage: 'status_page',
} as const;

const legacyGenerate = (id: string, prompt: string, description: string): ProbeSpecInput => ({
  kind: 'http',
  id,
  description,
  method: 'POST',
  path: '/generate',
  json: { image_request: { prompt, model: 'V_2_TURBO', magic_prompt_option: 'OFF' } },
  authHeader: 'Api-Key',
  billed: true,
  timeoutMs: 30_000,
  extractUrl: 'data.0.url',
  expectJson: ['data.0.url'],
});

export const statusPageProbe: ProbeSpecInput = {
  kind: 'http',
  id: IDEOGRAM_PROBE_IDS.statusPage,
  description: 'Provider status page (free)',
  method: 'GET',
  path: '',
  urlFrom: 'statusPageUrl',
  billed: false,
  timeoutMs: 5_000,
  extractField: 'status.indicator',
  expectJson: ['status.indicator'],
};

export const ideogramTriageProbes: ProbeSpecInput[] = [
  legacyGenerate(
    IDEOGRAM_PROBE_IDS.legacy,
    'triage test',
    'API connectivity and auth: POST /generate (V_2_TURBO, magic prompt OFF)',
  ),
  {
    kind: 'http',
    id: IDEOGRAM_PROBE_IDS.v3,
    description: 'V3 endpoint: POST /v1/ideogram-v3/generate (multipart, FLASH)',
    method: 'POST',
    path: '/v1/ideogram-v3/generate',
    multipart: { prompt: 'triage test', rendering_speed: 'FLASH' },
    authHeader: 'Api-Key',
    billed: true,
    timeoutMs: 30_000,
    expectJson: ['data.0.url'],
  },
  { kind: 'dns', id: IDEOGRAM_PROBE_IDS.dns, description: 'DNS resolution of the API host', timeoutMs: 5_000 },
  {
    kind: 'timing',
    id: IDEOGRAM_PROBE_IDS.latency,
    description: 'Latency of a generate call: the time of the POST /generate above (no call of its own)',
    after: IDEOGRAM_PROBE_IDS.legacy,
    timeoutMs: 30_000,
  },
  {
    kind: 'download',
    id: IDEOGRAM_PROBE_IDS.download,
    description: 'Download of a returned image URL (URLs expire)',
    after: IDEOGRAM_PROBE_IDS.legacy,
    timeoutMs: 15_000,
  },
  statusPageProbe,
];

/** Real calls to both endpoints: recovery, relapse and a change of failure class are judged by these. */
export const ideogramRealProbes: ProbeSpecInput[] = [ideogramTriageProbes[0]!, ideogramTriageProbes[1]!].map((p) => ({
  ...p,
  description: `Real check: ${p.description}`,
}));
