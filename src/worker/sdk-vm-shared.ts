// The SDK's per-thread workflow machinery (its vm-shared module), which the worker's workflow threads
// adjust: the promise hook (promise-stacks.ts) and the watchdog (activation-watchdog.ts).
import { createRequire } from 'node:module';
import type { SdkWorkflowClass } from './activation-watchdog.ts';
import type { SdkGlobalHandlers } from './promise-stacks.ts';

const require = createRequire(import.meta.url);
/** Where the SDK keeps it, named in the warnings when it is not the shape expected. */
export const SDK_VM_SHARED = require.resolve('@temporalio/worker/lib/workflow/vm-shared');
export const sdkVmShared = require(SDK_VM_SHARED) as {
  globalHandlers?: Partial<SdkGlobalHandlers>;
  BaseVMWorkflow?: Partial<SdkWorkflowClass>;
};
