// One execution watchdog per workflow activation instead of one per call into the workflow's V8
// context. The SDK bounds every call into the context (`isolateExecutionTimeout`) so that workflow
// code that never yields fails its task instead of holding the workflow thread. Node enforces such a
// bound with a watchdog thread it starts and joins for that one call (≈ 0.1–0.2 ms), and an
// activation makes two to four calls: a replay of ≈ 30 activations spent nearly a third of its CPU
// there (bench/RESULTS.md §4i).
//
// Here an activation's calls run inside one call into a context of their own, bounded by the same
// timeout; the calls inside run unbounded. Workflow code that does not yield is stopped just the
// same, and the activation fails with the same "Script execution timed out" error the SDK reports.
import vm from 'node:vm';

/** What of the SDK's workflow (`BaseVMWorkflow` in its vm-shared module) this relies on. */
export interface SdkWorkflowClass {
  prototype: {
    activate(activation: unknown): Promise<unknown>;
  };
}

interface SdkWorkflow {
  activate(activation: unknown): Promise<unknown>;
  activator: { info: { runId: string }; errorToFailure(err: unknown): unknown };
}

type RunInContext = (this: vm.Script, context: vm.Context, options?: vm.RunningScriptOptions) => unknown;

/**
 * Where Node's own `runInContext` stays reachable as a method. The SDK cuts the engine's frames off
 * a workflow's stack traces at the first frame named `Script.runInContext…` in `node:vm`, and a
 * frame is named by the property its function is called through: called any other way, the frames
 * of the worker below the workflow's would show in its stack-trace queries.
 */
const NODE_RUN_IN_CONTEXT = 'runInContextOfNode';
type NodeScript = vm.Script & { [NODE_RUN_IN_CONTEXT]: RunInContext };

/**
 * Makes every activation of `workflowClass` run under one watchdog. False, changing nothing, when
 * the SDK's workflow is not the shape this expects; its own watchdog per call then stays.
 */
export function installActivationWatchdog(
  workflowClass: Partial<SdkWorkflowClass> | undefined,
  script: typeof vm.Script = vm.Script,
): boolean {
  const activate = workflowClass?.prototype?.activate;
  if (typeof activate !== 'function' || activate.length !== 1) return false;
  const proto = script.prototype as NodeScript;
  // Enumerable: V8 names a frame by a property only when it can enumerate it.
  Object.defineProperty(proto, NODE_RUN_IN_CONTEXT, { value: proto.runInContext, enumerable: true });
  /** The SDK's bound, read from its own calls (the first comes before any activation). */
  let timeoutMs: number | undefined;
  let guarded = false;

  proto.runInContext = function (context, options) {
    const self = this as NodeScript;
    if (options?.timeout !== undefined) timeoutMs = options.timeout;
    if (!guarded || options?.timeout === undefined) return self[NODE_RUN_IN_CONTEXT](context, options);
    // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the activation's watchdog bounds this call
    const { timeout, ...unbounded } = options;
    return self[NODE_RUN_IN_CONTEXT](context, unbounded);
  };

  /** The activation the guard runs, and what the SDK's activate returned for it. */
  let pending: { workflow: SdkWorkflow; activation: unknown } | undefined;
  let completion: Promise<unknown> | undefined;
  const guard = new script('run()') as NodeScript;
  // Every call into the workflow's context happens before the SDK's activate first awaits.
  const run = (): void => void (completion = activate.call(pending!.workflow, pending!.activation));
  const guardContext = vm.createContext({ run });
  workflowClass!.prototype!.activate = function (this: SdkWorkflow, activation: unknown): Promise<unknown> {
    if (timeoutMs === undefined) return activate.call(this, activation);
    pending = { workflow: this, activation };
    completion = undefined;
    guarded = true;
    try {
      guard[NODE_RUN_IN_CONTEXT](guardContext, { timeout: timeoutMs });
    } catch (err) {
      if (completion) return completion;
      // Stopped by the watchdog: the SDK's activate was cut off where its own catch could not run.
      return Promise.resolve({
        runId: this.activator.info.runId,
        failed: { failure: this.activator.errorToFailure(err) },
      });
    } finally {
      guarded = false;
      pending = undefined;
    }
    return completion!;
  };
  return true;
}
