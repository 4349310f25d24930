import v8 from 'node:v8';
import { cutoffStackTrace } from '@temporalio/common';

/**
 * The SDK answers its stack-trace queries from a stack trace it keeps for every pending promise of a
 * workflow. It formats each one the moment the promise is created (every frame source-mapped and
 * matched against patterns), which is a fifth of what a replay costs, for traces almost no query
 * reads. This hook keeps the call sites instead and has the SDK's own formatter turn them into the
 * same text and frames when a query reads them.
 */

interface FileLocation {
  file_path?: string;
  function_name?: string;
  line?: number;
  column?: number;
  internal_code?: boolean;
}

interface PromiseStack {
  readonly formatted: string;
  readonly structured: FileLocation[];
}

interface PromiseStackStore {
  promiseToStack: Map<Promise<unknown>, PromiseStack>;
  childToParent: Map<Promise<unknown>, Set<Promise<unknown>>>;
}

interface WorkflowActivator {
  promiseStackStore: PromiseStackStore;
  info: { runId: string };
}

/** The part of the SDK's per-thread `GlobalHandlers` (`@temporalio/worker/lib/workflow/vm-shared`) this hook stands in for. */
export interface SdkGlobalHandlers {
  installed: boolean;
  promiseHookInstalled: boolean;
  currentStackTrace: FileLocation[] | undefined;
  stopPromiseHook: () => void;
  setPromiseHook: () => void;
}

type Realm = { activator: () => WorkflowActivator | undefined; ErrorCtor: ErrorConstructor };
type Prepare = (err: Error, callsites: NodeJS.CallSite[]) => string;

const rawCallsites = (_err: Error, callsites: NodeJS.CallSite[]) => callsites;
const AGGREGATORS = new Set(['race', 'all', 'allSettled', 'any']);
const AGGREGATOR_FRAME = /^(Function|Promise)\.(race|all|allSettled|any) \(<anonymous>\)$/;
const HOOK_FRAMES = /^Error\n\s*at [^\n]+\n(\s*at initAll \(node:internal\/promise_hooks:\d+:\d+\)\n)?/;

const isAggregator = (site: NodeJS.CallSite | undefined) =>
  site !== undefined && AGGREGATORS.has(site.getFunctionName() ?? '') && AGGREGATOR_FRAME.test(String(site));
const isThen = (site: NodeJS.CallSite | undefined) =>
  site !== undefined && site.getFunctionName() === 'then' && String(site) === 'Promise.then (<anonymous>)';

/** The SDK's cut of a structured trace: the hook's own frames off the top, the SDK's dispatch off the bottom. */
function cutStructured(trace: FileLocation[]): FileLocation[] {
  trace.shift();
  if (trace[0]?.function_name === 'initAll' && trace[0].file_path === 'node:internal/promise_hooks') trace.shift();
  const idx = trace.findIndex(
    ({ function_name: fn, file_path: file }) =>
      fn &&
      file &&
      ((/^Activator\.\S+NextHandler$/.test(fn) && /.*[\\/]workflow[\\/](?:src|lib)[\\/]internals\.[jt]s$/.test(file)) ||
        (/Script\.runInContext/.test(fn) && /^node:vm|vm\.js$/.test(file))),
  );
  if (idx > -1) trace.splice(idx);
  return trace;
}

/** A stack formatted on first read, by the SDK's formatter, from the call sites captured at creation. */
function lazyStack(handlers: SdkGlobalHandlers, prepare: Prepare, err: Error, sites: NodeJS.CallSite[]): PromiseStack {
  let captured: { err: Error; sites: NodeJS.CallSite[] } | undefined = { err, sites };
  let formatted = '';
  let structured: FileLocation[] = [];
  const format = () => {
    if (!captured) return;
    handlers.currentStackTrace = undefined;
    const text = prepare(captured.err, captured.sites);
    formatted = cutoffStackTrace(text.replace(HOOK_FRAMES, ''));
    structured = cutStructured(handlers.currentStackTrace ?? []);
    handlers.currentStackTrace = undefined;
    captured = undefined;
  };
  return {
    get formatted() {
      format();
      return formatted;
    },
    get structured() {
      format();
      return structured;
    },
  };
}

/**
 * Replaces the SDK's promise hook on this thread before the SDK installs it. Returns false, leaving
 * the SDK's own hook, when the SDK's handlers are not the shape this hook stands in for or are
 * already installed.
 */
export function installLazyPromiseStacks(handlers: Partial<SdkGlobalHandlers> | undefined): boolean {
  if (
    !handlers ||
    handlers.installed !== false ||
    typeof handlers.setPromiseHook !== 'function' ||
    typeof handlers.promiseHookInstalled !== 'boolean' ||
    !('currentStackTrace' in handlers) ||
    typeof v8.promiseHooks?.createHook !== 'function'
  ) {
    return false;
  }
  const sdk = handlers as SdkGlobalHandlers;
  sdk.setPromiseHook = () => {
    const stop = v8.promiseHooks.createHook(lazyHook(sdk, Error.prepareStackTrace as Prepare));
    sdk.stopPromiseHook = () => void stop();
    sdk.promiseHookInstalled = true;
  };
  return true;
}

function lazyHook(handlers: SdkGlobalHandlers, prepare: Prepare) {
  const realms = new WeakMap<object, Realm>();
  const realmOf = (promise: Promise<unknown>): Realm => {
    const ctor = promise.constructor;
    let realm = realms.get(ctor);
    if (!realm) {
      const fn = ctor.constructor as FunctionConstructor;
      realm = {
        activator: fn('return () => globalThis.__TEMPORAL_ACTIVATOR__')() as Realm['activator'],
        ErrorCtor: fn('return globalThis.Error')() as ErrorConstructor,
      };
      realms.set(ctor, realm);
    }
    return realm;
  };
  let aggregation: Promise<unknown> | undefined;
  return {
    init(created: Promise<unknown>, parent: Promise<unknown> | undefined) {
      const { activator, ErrorCtor } = realmOf(created);
      const current = activator();
      if (!current) return;
      const store = current.promiseStackStore;
      (created as Promise<unknown> & { runId?: string }).runId = current.info.runId;
      // Captured here, in the hook itself, so the trace's frames are the SDK hook's: one frame of its own on top.
      const err = new ErrorCtor();
      const outer = Error.prepareStackTrace;
      Error.prepareStackTrace = rawCallsites;
      const sites = err.stack as unknown as NodeJS.CallSite[];
      Error.prepareStackTrace = outer;
      if (!Array.isArray(sites)) return;
      let top = 1;
      if (sites[top]?.getFunctionName() === 'initAll' && sites[top]?.getFileName() === 'node:internal/promise_hooks')
        top += 1;
      let promise = created;
      let stack: PromiseStack;
      if (aggregation && isThen(sites[top]) && isAggregator(sites[top + 1]) && sites.length > top + 2) {
        // A promise an aggregator makes of each input: its inputs become the aggregate's parents.
        promise = aggregation;
        stack = store.promiseToStack.get(aggregation)!;
      } else {
        aggregation = isAggregator(sites[top]) && sites.length > top + 1 ? created : undefined;
        stack = lazyStack(handlers, prepare, err, sites);
      }
      if (promise === parent) return;
      store.promiseToStack.set(promise, stack);
      const parents = store.childToParent.get(promise) ?? new Set();
      if (parent) parents.add(parent);
      store.childToParent.set(promise, parents);
    },
    settled(promise: Promise<unknown>) {
      const store = realmOf(promise).activator()?.promiseStackStore;
      if (!store) return;
      store.childToParent.delete(promise);
      store.promiseToStack.delete(promise);
    },
  };
}
