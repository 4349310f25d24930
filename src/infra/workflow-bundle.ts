import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

/**
 * Bundles workflow code once at build time, so a production worker starts without webpack and
 * runs exactly the code that was reviewed (and replay-tested).
 */
export async function buildWorkflowBundle(workflowsPath: string, outFile: string): Promise<{ outFile: string; bytes: number }> {
  const { code } = await bundleWorkflowCode({ workflowsPath });
  await mkdir(dirname(outFile), { recursive: true });
  await writeFile(outFile, code, 'utf8');
  return { outFile, bytes: Buffer.byteLength(code) };
}
