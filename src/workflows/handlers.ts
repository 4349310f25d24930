import { setHandler } from '@temporalio/workflow';
import {
  acknowledgeSignal,
  actUpdate,
  alertSignal,
  approveSignal,
  cancelSignal,
  decideUpdate,
  describeSecretRef,
  noteSignal,
  postmortemQuery,
  provideSecretRefSignal,
  rejectSignal,
  resolveSignal,
  setRootCauseSignal,
  statusQuery,
  timelineQuery,
} from '../contract/index.ts';
import type { ApprovalGate } from './engine/approval-gate.ts';
import type { Incident } from './engine/incident.ts';

/** Approve and reject signals and the decide update: one handler, the update validated by the same rules. */
export function registerApprovalHandlers(gate: ApprovalGate): void {
  setHandler(approveSignal, (signal) => void gate.decide(signal, 'approved'));
  setHandler(rejectSignal, (signal) => void gate.decide(signal, 'rejected'));
  setHandler(decideUpdate, (req) => gate.decide(req, req.decision), {
    validator: (req) => {
      const problem = gate.problem(req, req.decision);
      if (problem) throw new Error(problem);
    },
  });
}

/** Every query, signal and update of the contract, answered by the part that owns it. */
export function registerIncidentHandlers(incident: Incident): void {
  const { s, recorder, gate } = incident;
  setHandler(statusQuery, () => incident.status());
  setHandler(timelineQuery, () => s.timeline);
  setHandler(postmortemQuery, () => recorder.postmortem());
  registerApprovalHandlers(gate);
  setHandler(acknowledgeSignal, ({ by }) => {
    if (s.acknowledgedBy) {
      recorder.note(`${by} acknowledged (owner stays @${s.acknowledgedBy})`);
      return;
    }
    s.acknowledgedBy = by;
    s.stateVersion += 1;
    recorder.note(`Acknowledged by ${by}: owner is now @${by}`, { by });
  });
  setHandler(noteSignal, ({ by, text }) => recorder.note(`${by}: ${text}`, { by }));
  setHandler(setRootCauseSignal, ({ by, text }) => {
    s.rootCause = text;
    recorder.note(`Root cause identified by ${by}: ${text}`, { by, rootCause: true });
  });
  setHandler(provideSecretRefSignal, ({ by, stepId, ref }) => {
    s.secretRefs.push({ by, stepId, ref });
    recorder.note(`${by} provided a secret reference: ${describeSecretRef(ref)}`, { by, ref: describeSecretRef(ref) });
  });
  // New in the alert intake: old histories never received it, so no patch is needed to replay them.
  setHandler(alertSignal, (alert) => {
    const where = alert.generatorURL ? ` — ${alert.generatorURL}` : '';
    recorder.add('alert', `${alert.source} alert ${alert.status}: ${alert.summary || alert.labels.alertname || alert.fingerprint} (fingerprint ${alert.fingerprint})${where}`, alert);
    if (alert.status === 'resolved') incident.observer.requestRealCheck(`${alert.source} reports the alert resolved`);
  });
  // The signals answer nobody: a refused one is recorded on the timeline instead of an error.
  const actBySignal = (action: 'resolve' | 'cancel', by: string, reason: string) => {
    const answer = incident.act({ action, by, reason });
    if (!answer.accepted) recorder.note(`Ignored ${action} from ${by}: ${answer.message}`, { invalid: true, by });
  };
  setHandler(resolveSignal, ({ by, reason }) => actBySignal('resolve', by, reason));
  setHandler(cancelSignal, ({ by, reason }) => actBySignal('cancel', by, reason));
  setHandler(actUpdate, (req) => incident.act(req), {
    validator: (req) => {
      const problem = incident.actionProblem(req);
      if (problem) throw new Error(problem);
    },
  });
}
