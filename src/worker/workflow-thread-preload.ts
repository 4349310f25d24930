// Runs first in each of the SDK's workflow threads (see workflow-threads.ts), before the SDK sets up
// its promise hook there.
import { installActivationWatchdog } from './activation-watchdog.ts';
import { installLazyPromiseStacks } from './promise-stacks.ts';
import { SDK_VM_SHARED, sdkVmShared } from './sdk-vm-shared.ts';

/** Whether this thread's promise hook is the lazy one. */
export const lazyPromiseStacks = installLazyPromiseStacks(sdkVmShared.globalHandlers);
if (!lazyPromiseStacks) {
  process.emitWarning(
    `the SDK's workflow-thread handlers (${SDK_VM_SHARED}) are not the shape this worker expects: its own promise hook stays, and a replay costs more`,
    { code: 'RUNBOOK_PROMISE_STACKS' },
  );
}
/** Whether this thread's activations each run under one watchdog. */
export const activationWatchdog = installActivationWatchdog(sdkVmShared.BaseVMWorkflow);
if (!activationWatchdog) {
  process.emitWarning(
    `the SDK's workflow (${SDK_VM_SHARED}) is not the shape this worker expects: every call into a workflow starts a watchdog of its own, and an activation costs more`,
    { code: 'RUNBOOK_ACTIVATION_WATCHDOG' },
  );
}
