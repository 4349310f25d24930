// Runs first in each of the SDK's workflow threads (see workflow-threads.ts), before the SDK sets up
// its promise hook there.
import { createRequire } from 'node:module';
import { installActivationWatchdog, type SdkWorkflowClass } from './activation-watchdog.ts';
import { installLazyPromiseStacks, type SdkGlobalHandlers } from './promise-stacks.ts';

const require = createRequire(import.meta.url);
const vmShared = require.resolve('@temporalio/worker/lib/workflow/vm-shared');
const { globalHandlers, BaseVMWorkflow } = require(vmShared) as {
  globalHandlers?: Partial<SdkGlobalHandlers>;
  BaseVMWorkflow?: Partial<SdkWorkflowClass>;
};
/** Whether this thread's promise hook is the lazy one. */
export const lazyPromiseStacks = installLazyPromiseStacks(globalHandlers);
if (!lazyPromiseStacks) {
  process.emitWarning(
    `the SDK's workflow-thread handlers (${vmShared}) are not the shape this worker expects: its own promise hook stays, and a replay costs more`,
    { code: 'RUNBOOK_PROMISE_STACKS' },
  );
}
/** Whether this thread's activations each run under one watchdog. */
export const activationWatchdog = installActivationWatchdog(BaseVMWorkflow);
if (!activationWatchdog) {
  process.emitWarning(
    `the SDK's workflow (${vmShared}) is not the shape this worker expects: every call into a workflow starts a watchdog of its own, and an activation costs more`,
    { code: 'RUNBOOK_ACTIVATION_WATCHDOG' },
  );
}
