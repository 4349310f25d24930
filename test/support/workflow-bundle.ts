import { readFile } from 'node:fs/promises';
import { inject } from 'vitest';

/** The run's prebuilt bundle of the incident workflows (test/support/global-setup.ts). */
export const workflowBundlePath = (): string => inject('workflowBundlePath');

let bundle: Promise<string> | undefined;
/** The incident workflows' bundle code, read once per test file. */
export function sharedBundle(): Promise<string> {
  bundle ??= readFile(workflowBundlePath(), 'utf8');
  return bundle;
}
