import type { RemediationContext } from './context.ts';
import type { ApprovalGate } from './approval-gate.ts';
import type { MutationLedger } from './mutation-ledger.ts';
import type { ProbeRunner } from './probe-runner.ts';
import type { EngineCore } from './ports.ts';
import type { IncidentRecorder } from './recorder.ts';

export interface RemediationParts {
  engine: EngineCore;
  recorder: IncidentRecorder;
  gate: ApprovalGate;
  ledger: MutationLedger;
  probes: ProbeRunner;
}

/** The primitives a remediation plan is written in, each answered by the part that owns it. */
export function remediationContext({ engine, recorder, gate, ledger, probes }: RemediationParts): RemediationContext {
  return {
    get input() {
      return engine.input;
    },
    get decision() {
      return engine.decision;
    },
    setState: (state, why) => recorder.setState(state, why),
    note: (message, data) => recorder.note(message, data),
    stage: (name, fn) => recorder.stage(name, fn),
    escalate: (reason) => engine.escalate(reason),
    approval: (step) => gate.approval(step),
    ask: (step) => gate.ask(step),
    awaitSecretRef: (stepId, description) => gate.awaitSecretRef(stepId, description),
    apply: (step, op, options) => ledger.apply(step, op, options),
    revert: (step) => ledger.revert(step),
    ledger: () => ledger.ledger(),
    applied: (step) => ledger.applied(step),
    keep: (step, reason) => ledger.keep(step, reason),
    waitForRollout: () => ledger.waitForRollout(),
    readEnv: (name) => ledger.readEnv(name),
    inspectSecret: (ref) => ledger.inspectSecret(ref),
    probe: (spec) => probes.probe(spec),
    providerRecovered: () => probes.providerRecovered(),
    watchAfterChange: (options) => probes.watchAfterChange(options),
    verify: (options) => probes.verify(options),
    monitorUntilRecovered: (options) => probes.monitorUntilRecovered(options),
  };
}
