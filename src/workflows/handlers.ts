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
import { AlertRecorder, historyTooLong } from './engine/alerts.ts';
import type { ApprovalGate } from './engine/approval-gate.ts';
import { makeRoomForSecretRef } from './engine/bounds.ts';
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
  const alerts = new AlertRecorder(s, recorder);
  setHandler(statusQuery, () => incident.status());
  setHandler(timelineQuery, () => s.timeline);
  setHandler(postmortemQuery, () => recorder.postmortem());
  registerApprovalHandlers(gate);
  setHandler(
    acknowledgeSignal,
    bounded(({ by }) => {
      if (s.acknowledgedBy) {
        recorder.note(`${by} acknowledged (owner stays @${s.acknowledgedBy})`);
        return;
      }
      s.acknowledgedBy = by;
      s.stateVersion += 1;
      recorder.note(`Acknowledged by ${by}: owner is now @${by}`, { by });
    }),
  );
  setHandler(
    noteSignal,
    bounded(({ by, text }) => recorder.note(`${by}: ${text}`, { by })),
  );
  setHandler(
    setRootCauseSignal,
    bounded(({ by, text }) => {
      s.rootCause = text;
      recorder.note(`Root cause identified by ${by}: ${text}`, { by, rootCause: true });
    }),
  );
  setHandler(
    provideSecretRefSignal,
    bounded(({ by, stepId, ref }) => {
      if (!makeRoomForSecretRef(s)) {
        recorder.note(
          `Ignored the secret reference from ${by}: ${s.secretRefs.length} references are waiting to be used; refuse or use them first`,
          { by, invalid: true },
        );
        return;
      }
      s.secretRefs.push({ by, stepId, ref });
      recorder.note(`${by} provided a secret reference: ${describeSecretRef(ref)}`, {
        by,
        ref: describeSecretRef(ref),
      });
    }),
  );
  // A repeat of an alert already on the timeline only counts; a new resolved one asks for a re-check.
  setHandler(
    alertSignal,
    bounded((alert) => {
      const recorded = alerts.record(alert, new Date(Date.now()).toISOString());
      if (recorded && alert.status === 'resolved')
        incident.observer.requestRealCheck(`${alert.source} reports the alert resolved`);
    }),
  );
  // The signals answer nobody: a refused one is recorded on the timeline instead of an error.
  const actBySignal = (action: 'resolve' | 'cancel', by: string, reason: string) => {
    const answer = incident.act({ action, by, reason });
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
  setHandler(actUpdate, (req) => incident.act(req), {
    validator: (req) => {
      const problem = incident.actionProblem(req);
      if (problem) throw new Error(problem);
    },
  });
}
