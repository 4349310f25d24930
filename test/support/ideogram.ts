/**
 * The Ideogram runbook as tests use it: its document (src/runbooks/ideogram/runbook.yaml, loaded
 * by setup-runtime as every runbook process loads it), compiled, with its tooling and probe ids.
 */
import type { RunbookDocument } from '../../src/runbooks/documents/schema.ts';
import { documentPinOf, getRunbook } from '../../src/runbooks/index.ts';
import { runbookTooling } from '../../src/runbooks/tooling/index.ts';

/** The ids of the document's probes (`probes.triage`), by what they probe. */
export const IDEOGRAM_PROBE_IDS = {
  legacy: 'legacy_generate',
  v3: 'v3_generate',
  dns: 'dns',
  latency: 'latency',
  download: 'download',
  statusPage: 'status_page',
} as const;

export const ideogramRunbook = () => getRunbook('ideogram');
export const ideogramDocument = () => documentPinOf('ideogram')!.document as RunbookDocument;
export const ideogramTooling = () => runbookTooling('ideogram');
