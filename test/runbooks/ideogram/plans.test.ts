/**
 * The Ideogram plans (src/runbooks/ideogram/runbook.yaml): on a scripted context (answers to
 * approvals, verifications, relapses, references handed over), each asks, changes, keeps, notes
 * and ends as recorded in recorded/plans.json. The record was taken from the TypeScript plans the
 * document replaced, with the document's own wording where it differs on purpose: a restore shows
 * the recorded revert command, a rotation that hands over says "secret reference".
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { MutationOp, MutationRecord, SecretRef } from '../../../src/contract/index.ts';
import { getRunbook } from '../../../src/runbooks/index.ts';
import type { RemediationContext } from '../../../src/runbooks/types.ts';

const ideogram = getRunbook('ideogram');
const RECORDED = JSON.parse(readFileSync(new URL('./recorded/plans.json', import.meta.url), 'utf8')) as Record<
  string,
  string[]
>;

type Answer = 'approved' | 'declined' | 'superseded';
interface Script {
  /** Answers to approvals by step id (a list is used up in order); approved when unnamed. */
  answers?: Record<string, Answer | Answer[]>;
  verify?: boolean[];
  watch?: Array<'stable' | 'relapsed'>;
  refs?: Array<SecretRef | null>;
  recovered?: boolean;
  settings?: Record<string, unknown>;
  severity?: 'P1' | 'P2' | 'P3' | 'P4';
  /** Runs of the plan on one incident: a later run resumes after the earlier one handed over. */
  runs?: number;
}

/** A context that plays the script and records every call a plan makes, in order. */
function scripted(cause: string, script: Script) {
  const calls: string[] = [];
  const ledger: MutationRecord[] = [];
  const stages = new Set<string>();
  const answers = Object.fromEntries(
    Object.entries(script.answers ?? {}).map(([k, v]) => [k, Array.isArray(v) ? [...v] : [v]]),
  );
  const verify = [...(script.verify ?? [])];
  const watch = [...(script.watch ?? [])];
  const refs = [...(script.refs ?? [])];
  const answer = (stepId: string): Answer => {
    const queue = answers[stepId];
    return queue && queue.length > 1 ? queue.shift()! : (queue?.[0] ?? 'approved');
  };
  const open = (step: string) => ledger.find((m) => m.step === step && !m.revertedAt);
  const ask = async (s: Parameters<RemediationContext['ask']>[0]) => {
    const a = answer(s.stepId);
    calls.push(`ask ${s.stepId}: ${s.description} [${s.kubectl ?? ''}] auto=${s.autoApproveReason ?? ''} -> ${a}`);
    return a;
  };
  const ctx: RemediationContext = {
    input: {
      service: { ...ideogram.defaultService, settings: script.settings ?? {} },
      timings: { maxAutoRelapses: 1 },
    } as unknown as RemediationContext['input'],
    decision: { cause, severity: script.severity ?? 'P1' } as RemediationContext['decision'],
    setState: (state, why) => void calls.push(`state ${state}: ${why ?? ''}`),
    note: (message) => void calls.push(`note ${message}`),
    stage: async (name, fn) => {
      if (stages.has(name)) return undefined;
      stages.add(name);
      return fn();
    },
    approval: async (s) => (await ask(s)) === 'approved',
    ask,
    apply: async (step: string, op: MutationOp, options?: { purpose?: MutationRecord['purpose'] }) => {
      calls.push(`apply ${step} ${JSON.stringify(op)} ${options?.purpose ?? ''}`);
      const record = {
        step,
        op,
        revertKubectl: `undo ${step}`,
        ...(options?.purpose ? { purpose: options.purpose } : {}),
      };
      ledger.push(record as unknown as MutationRecord);
      return record as unknown as MutationRecord;
    },
    // As the engine's ledger: reverting a step that changed nothing does nothing.
    revert: async (step) => {
      const record = open(step);
      if (!record) return;
      calls.push(`revert ${step}`);
      Object.assign(record, { revertedAt: 'now' });
    },
    ledger: () => ledger,
    applied: (step) => open(step) !== undefined,
    keep: (step, reason) => {
      if (open(step)) calls.push(`keep ${step}: ${reason}`);
    },
    providerRecovered: () => script.recovered ?? false,
    watchAfterChange: async () => {
      const v = watch.shift() ?? 'stable';
      calls.push(`watch -> ${v}`);
      return v;
    },
    waitForRollout: async () => {
      calls.push('rollout');
      return true;
    },
    probe: async () => {
      throw new Error('no probes in this script');
    },
    monitorUntilRecovered: async (options) => void calls.push(`monitor ${JSON.stringify(options ?? {})}`),
    verify: async (options) => {
      const v = verify.shift() ?? true;
      calls.push(`verify ${JSON.stringify(options ?? {})} -> ${v}`);
      return v;
    },
    escalate: async (reason) => void calls.push(`escalate ${reason}`),
    awaitSecretRef: async (stepId) => {
      const ref = refs.length > 1 ? refs.shift()! : (refs[0] ?? null);
      calls.push(`secret ${stepId} -> ${ref ? `${ref.kind}:${'name' in ref ? ref.name : ''}` : 'none'}`);
      return ref;
    },
    inspectSecret: async () => ({ present: true, length: 32 }),
    readEnv: async () => [{ container: 'api', value: '8' }],
  };
  return { ctx, calls };
}

/** Every call and how each run ended (an outcome, or the hand-over it threw). */
async function play(cause: string, script: Script) {
  const { ctx, calls } = scripted(cause, script);
  for (let run = 0; run < (script.runs ?? 1); run += 1) {
    try {
      calls.push(`outcome ${JSON.stringify(await ideogram.causes[cause]!.remediate(ctx))}`);
    } catch (err) {
      calls.push(`handed over: ${(err as Error).message}`);
    }
  }
  return calls;
}

const key = (name: string): SecretRef => ({ kind: 'env', name });

const CASES: Array<[string, string, Script]> = [
  ['rotate-key: rotated and verified', 'auth_failure', { refs: [key('NEW_KEY')] }],
  ['rotate-key: no key handed over', 'auth_failure', { refs: [null] }],
  [
    'rotate-key: rotation declined',
    'auth_failure',
    { refs: [key('NEW_KEY')], answers: { 'apply-new-key': 'declined' } },
  ],
  [
    'rotate-key: the first key fails, a second is handed over',
    'auth_failure',
    { refs: [key('NEW_KEY'), key('NEW_KEY_2')], verify: [false, true], runs: 2 },
  ],
  [
    'rotate-key: the same key again after a hand-over',
    'auth_failure',
    { refs: [key('NEW_KEY')], verify: [false, true], runs: 2 },
  ],
  [
    'rotate-key: a second key declined',
    'auth_failure',
    { refs: [key('NEW_KEY'), key('NEW_KEY_2')], verify: [false], answers: { 'apply-new-key-2': 'declined' }, runs: 2 },
  ],
  ['credits: paused, topped up on the second try', 'credits_exhausted', { verify: [false, true] }],
  ['credits: not paused', 'credits_exhausted', { answers: { 'pause-batch-jobs': 'declined' } }],
  ['credits: top-up not confirmed', 'credits_exhausted', { answers: { 'confirm-top-up': 'declined' } }],
  ['fallback: on, off, stable', 'provider_outage', {}],
  ['fallback: by policy for a P1', 'provider_outage', { settings: { autoApproveP1Fallback: true } }],
  [
    'fallback: not by policy for a P2',
    'provider_outage',
    { settings: { autoApproveP1Fallback: true }, severity: 'P2' },
  ],
  ['fallback: rejected', 'provider_outage', { answers: { 'enable-fallback': 'declined' } }],
  ['fallback: recovered before it was applied', 'provider_outage', { recovered: true }],
  ['fallback: left on by decision', 'provider_outage', { answers: { 'disable-fallback': 'declined' } }],
  [
    'fallback: turning off overtaken by a failing call',
    'provider_outage',
    { answers: { 'disable-fallback': ['superseded', 'approved'] } },
  ],
  ['fallback: relapses past the limit', 'provider_outage', { watch: ['relapsed', 'relapsed', 'stable'] }],
  [
    'fallback: relapse past the limit declined',
    'provider_outage',
    { watch: ['relapsed', 'relapsed'], answers: { 'enable-fallback-3': 'declined' } },
  ],
  ['reduce-concurrency: cut and restored', 'rate_limited', { severity: 'P2' }],
  [
    'reduce-concurrency: cut declined',
    'rate_limited',
    { severity: 'P2', answers: { 'reduce-concurrency': 'declined' } },
  ],
  [
    'reduce-concurrency: restore declined',
    'rate_limited',
    { severity: 'P2', answers: { 'restore-concurrency': 'declined' } },
  ],
  [
    'reduce-concurrency: restore overtaken by a failing call',
    'rate_limited',
    { severity: 'P2', answers: { 'restore-concurrency': ['superseded', 'approved'] } },
  ],
  ...Object.entries({
    partial_outage: 'confirm-partial-outage-handled',
    network_dns: 'confirm-network-fixed',
    degraded_performance: 'confirm-performance-handled',
    download_failure: 'confirm-downloads-handled',
    quality_regression: 'confirm-quality-checked',
  }).flatMap(([cause, step]): Array<[string, string, Script]> => [
    [`${cause}: checks confirmed`, cause, { severity: 'P2' }],
    [`${cause}: checks declined`, cause, { severity: 'P2', answers: { [step]: 'declined' } }],
  ]),
  ['safety_rejection', 'safety_rejection', { severity: 'P3' }],
  ['healthy', 'healthy', { severity: 'P4' }],
];

describe('the Ideogram plans', () => {
  it.each(CASES)('%s: the recorded calls and outcome', async (name, cause, script) => {
    expect(RECORDED[name], `no record for "${name}"`).toBeDefined();
    expect(await play(cause, script)).toEqual(RECORDED[name]);
  });

  it('every cause has a plan, and every record a case', () => {
    expect(Object.keys(ideogram.causes).sort()).toEqual([...new Set(CASES.map(([, cause]) => cause))].sort());
    expect(Object.keys(RECORDED).sort()).toEqual(CASES.map(([name]) => name).sort());
  });
});
