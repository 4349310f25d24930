import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type BundleOptions, type Logger } from '@temporalio/worker';

/**
 * Modules evaluated once per workflow thread and shared by every cached incident (the SDK's
 * reusable V8 context), instead of once per incident: zod, the compiled runbook documents and the
 * contract. The SDK freezes what is shared; zod memoises onto schema instances, so the contract's
 * schemas sit behind sealed lazy proxies the freeze stops at (src/contract/lazy-schema.ts).
 */
export const PRELOADED_WORKFLOW_MODULES: readonly string[] = [
  fileURLToPath(new URL('../workflows/preload.ts', import.meta.url)),
  fileURLToPath(new URL('../runbooks/documents/compiled-documents.ts', import.meta.url)),
  fileURLToPath(new URL('../contract/index.ts', import.meta.url)),
];

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** Bundler options for every worker, bundle build and replay test: one bundle shape everywhere. */
export function workflowBundlerOptions(): { preloadModules: string[] } {
  return { preloadModules: [...PRELOADED_WORKFLOW_MODULES] };
}

/** Bundles the incident workflows (or `workflowsPath`) with the shared preloaded modules. */
export async function bundleIncidentWorkflows(
  options: { workflowsPath?: string; logger?: Logger } = {},
): Promise<string> {
  const bundle: BundleOptions = {
    workflowsPath: options.workflowsPath ?? WORKFLOWS_PATH,
    ...workflowBundlerOptions(),
    ...(options.logger ? { logger: options.logger } : {}),
  };
  return (await bundleWorkflowCode(bundle)).code;
}

/**
 * Bundles workflow code once at build time, so a production worker starts without webpack and
 * runs exactly the code that was reviewed (and replay-tested).
 */
export async function buildWorkflowBundle(
  workflowsPath: string,
  outFile: string,
): Promise<{ outFile: string; bytes: number }> {
  const code = await bundleIncidentWorkflows({ workflowsPath });
  await mkdir(dirname(outFile), { recursive: true });
  await writeFile(outFile, code, 'utf8');
  return { outFile, bytes: Buffer.byteLength(code) };
}
