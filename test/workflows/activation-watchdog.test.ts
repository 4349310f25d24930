import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { temporal } from '@temporalio/proto';
import type { WorkerOptions } from '@temporalio/worker';
import { bundleIncidentWorkflows } from '../../src/infra/workflow-bundle.ts';
import { installActivationWatchdog } from '../../src/worker/activation-watchdog.ts';
import { continueSignal } from '../fixtures/workflows/ping.ts';
import { spinSignal, type pingWorkflow, type spinWorkflow } from '../fixtures/workflows/spin.ts';
import { withBundleWorker } from '../support/bundle-worker.ts';

const TIMEOUT_MS = 200;

/**
 * A stand-in for the SDK's workflow, on real V8 contexts: an activation makes three calls into its
 * context, each bounded as the SDK bounds them, and a failure is its completion, as in the SDK.
 */
function sdkLikeWorkflow() {
  const timedCalls: number[] = [];
  /** The script every call goes through; `timedCalls` records the bound of each call that reaches V8. */
  class RecordingScript extends vm.Script {
    override runInContext(context: vm.Context, options?: vm.RunningScriptOptions): unknown {
      if (options?.timeout !== undefined) timedCalls.push(options.timeout);
      return super.runInContext(context, options);
    }
  }
  class Script extends RecordingScript {}
  const context = vm.createContext({ n: 0 }, { microtaskMode: 'afterEvaluate' });
  class Workflow {
    readonly activator = {
      info: { runId: 'run-1' },
      errorToFailure: (err: unknown) => ({ message: (err as Error).message }),
    };
    async activate(activation: { body: string }): Promise<unknown> {
      try {
        for (let call = 0; call < 3; call += 1)
          new Script(activation.body).runInContext(context, { timeout: TIMEOUT_MS, displayErrors: true });
        await new Promise(setImmediate);
        return { runId: 'run-1', successful: { n: context.n as number } };
      } catch (err) {
        return { runId: 'run-1', failed: { failure: this.activator.errorToFailure(err) } };
      }
    }
  }
  // The SDK's first bounded call comes when it sets up the context, before any activation.
  const prepare = () => new Script('n = 0').runInContext(context, { timeout: TIMEOUT_MS });
  return { Workflow, Script, timedCalls, prepare };
}

describe('one execution watchdog per workflow activation', () => {
  it("runs an activation's calls under one watchdog, with the same outcome", async () => {
    const guarded = sdkLikeWorkflow();
    expect(installActivationWatchdog(guarded.Workflow, guarded.Script)).toBe(true);
    guarded.prepare();
    const control = sdkLikeWorkflow();
    control.prepare();
    guarded.timedCalls.length = 0;
    control.timedCalls.length = 0;

    const activation = { body: 'n += 1' };
    expect(await new guarded.Workflow().activate(activation)).toEqual({ runId: 'run-1', successful: { n: 3 } });
    expect(await new control.Workflow().activate(activation)).toEqual({ runId: 'run-1', successful: { n: 3 } });
    // One bounded call for the activation, instead of one for each of its three calls.
    expect(guarded.timedCalls).toEqual([TIMEOUT_MS]);
    expect(control.timedCalls).toEqual([TIMEOUT_MS, TIMEOUT_MS, TIMEOUT_MS]);
  });

  it('stops code that never yields and fails the activation as the SDK does, and the next activation runs', async () => {
    const guarded = sdkLikeWorkflow();
    installActivationWatchdog(guarded.Workflow, guarded.Script);
    guarded.prepare();
    const control = sdkLikeWorkflow();
    control.prepare();

    const spin = { body: 'for (;;) {}' };
    const failed = {
      runId: 'run-1',
      failed: { failure: { message: `Script execution timed out after ${TIMEOUT_MS}ms` } },
    };
    expect(await new guarded.Workflow().activate(spin)).toEqual(failed);
    expect(await new control.Workflow().activate(spin)).toEqual(failed);
    expect(await new guarded.Workflow().activate({ body: 'n += 1' })).toEqual({
      runId: 'run-1',
      successful: { n: 3 },
    });
  });

  it('leaves an SDK of another shape as it is', () => {
    class Script extends vm.Script {}
    const own = Script.prototype.runInContext;
    expect(installActivationWatchdog(undefined, Script)).toBe(false);
    const twoArguments = { prototype: { activate: async (a: unknown, b: unknown) => [a, b] } };
    expect(installActivationWatchdog(twoArguments as never, Script)).toBe(false);
    expect(Script.prototype.runInContext).toBe(own);
  });

  it("on a real worker, a workflow that never yields fails its task with the SDK's timeout, and the thread goes on serving others", async () => {
    const fixture = fileURLToPath(new URL('../fixtures/workflows/spin.ts', import.meta.url));
    const code = await bundleIncidentWorkflows({ workflowsPath: fixture });
    // The SDK's bound (5 s unless set), shortened so that the test does not wait for it.
    const overrides = { isolateExecutionTimeout: `${TIMEOUT_MS}ms` } as Partial<WorkerOptions>;
    await withBundleWorker(
      { workflowBundleCode: code },
      async (client, taskQueue) => {
        const spinning = await client.workflow.start<typeof spinWorkflow>('spinWorkflow', {
          taskQueue,
          workflowId: `${taskQueue}-spin`,
        });
        await spinning.signal(spinSignal);
        const failure = async () => {
          const { events } = await spinning.fetchHistory();
          return events?.find((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)
            ?.workflowTaskFailedEventAttributes?.failure?.message;
        };
        let message: string | null | undefined;
        for (let i = 0; i < 200 && !message; i += 1) {
          message = await failure();
          if (!message) await sleep(50);
        }
        expect(message).toBe(`Script execution timed out after ${TIMEOUT_MS}ms`);

        const ping = await client.workflow.start<typeof pingWorkflow>('pingWorkflow', {
          taskQueue,
          workflowId: `${taskQueue}-ping`,
          args: ['after the spin'],
        });
        await ping.signal(continueSignal);
        expect(await ping.result()).toBe('pong after the spin');
        await spinning.terminate('the test is over');
      },
      overrides,
    );
  });
});
