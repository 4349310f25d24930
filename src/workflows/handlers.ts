import { setHandler } from '@temporalio/workflow';
import {
  acknowledgeSignal,
  actUpdate,
  alertSignal,
  approveSignal,
  cancelSignal,
  decideUpdate,
  noteSignal,
  postmortemQuery,
  provideSecretRefSignal,
  rejectSignal,
  resolveSignal,
  setRootCauseSignal,
  statusQuery,
  timelineQuery,
} from '../contract/index.ts';
import { historyTooLong } from './engine/alerts.ts';
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
  const { recorder, gate, comms } = incident;
  // Every signal is a history event: a flood of them makes the run continue as new before it
  // reaches Temporal's limits, not only when the observer's timer next fires.
  // Asked once per run: a burst of thousands of signals must not cancel the plan thousands of times.
  let continuing = false;
  const bounded =
    <A extends unknown[]>(handle: (...args: A) => void) =>
    (...args: A) => {
      handle(...args);
      if (!continuing && historyTooLong()) {
        continuing = true;
        incident.requestContinueAsNew();
      }
    };
  setHandler(statusQuery, () => incident.status());
  setHandler(timelineQuery, () => [...recorder.timeline()]);
  setHandler(postmortemQuery, () => recorder.postmortem());
  registerApprovalHandlers(gate);
  setHandler(
    acknowledgeSignal,
    bounded(({ by }) => comms.acknowledge(by)),
  );
  setHandler(
    noteSignal,
    bounded(({ by, text }) => recorder.note(`${by}: ${text}`, { by })),
  );
  setHandler(
    setRootCauseSignal,
    bounded(({ by, text }) => {
      recorder.setRootCause(text);
      recorder.note(`Root cause identified by ${by}: ${text}`, { by, rootCause: true });
    }),
  );
  setHandler(
    provideSecretRefSignal,
    bounded(({ by, stepId, ref }) => gate.receiveSecretRef({ by, stepId, ref })),
  );
  // A repeat of an alert already on the timeline only counts; a new resolved one asks for a re-check.
  setHandler(
    alertSignal,
    bounded((alert) => {
      const recorded = incident.alerts.record(alert, new Date(Date.now()).toISOString());
      if (recorded && alert.status === 'resolved')
        incident.observer.requestRealCheck(`${alert.source} reports the alert resolved`);
    }),
  );
  // The signals answer nobody: a refused one is recorded on the timeline instead of an error.
  const actBySignal = (action: 'resolve' | 'cancel', by: string, reason: string) => {
    const answer = incident.humans.act({ action, by, reason });
    if (!answer.accepted) recorder.note(`Ignored ${action} from ${by}: ${answer.message}`, { invalid: true, by });
  };
  setHandler(
    resolveSignal,
    bounded(({ by, reason }) => actBySignal('resolve', by, reason)),
  );
  setHandler(
    cancelSignal,
    bounded(({ by, reason }) => actBySignal('cancel', by, reason)),
  );
  setHandler(actUpdate, (req) => incident.humans.act(req), {
    validator: (req) => {
      const problem = incident.humans.problem(req);
      if (problem) throw new Error(problem);
    },
  });
}
