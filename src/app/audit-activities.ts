// Audit lines for what a completed activity reported: probes, cluster changes, reverts, notifications.
export interface AuditEntry {
  at: string;
  runId: string;
  kind:
    | 'started'
    | 'signal'
    | 'update'
    | 'probe'
    | 'mutation'
    | 'revert'
    | 'notification'
    | 'timer'
    | 'continued'
    | 'closed'
    | 'activity';
  who: string | null;
  what: string;
  data?: unknown;
}

type Round = { at?: string; results?: Array<Record<string, unknown>> };

/** One line per probe of a batched round (`runProbes`), or of the triage and each confirmation round (`judgeRounds`, at the time each ran). */
export function completedActivity(
  type: string,
  result: Record<string, unknown> | undefined,
  at: string,
  runId: string,
): AuditEntry[] {
  const probes = (results: unknown, when: string, prefix = '') =>
    (Array.isArray(results) ? (results as Array<Record<string, unknown>>) : []).flatMap((one) => {
      const entry = describeActivity('runProbe', one, when, runId);
      return entry ? [{ ...entry, what: `${prefix}${entry.what}` }] : [];
    });
  if (type === 'runProbes') return probes(result, at);
  if (type === 'judgeRounds' && result) {
    const triage = result.triage as Round | undefined;
    const confirmations = (Array.isArray(result.confirmations) ? result.confirmations : []) as Round[];
    return [
      ...probes(triage?.results, triage?.at ?? at),
      ...confirmations.flatMap((r, i) => probes(r.results, r.at ?? at, `confirmation ${i + 1}: `)),
    ];
  }
  const entry = describeActivity(type, result, at, runId);
  return entry ? [entry] : [];
}

function describeActivity(
  type: string,
  result: Record<string, unknown> | undefined,
  at: string,
  runId: string,
): AuditEntry | null {
  if (!result) return null;
  switch (type) {
    case 'runProbe':
      return {
        at,
        runId,
        kind: 'probe',
        who: null,
        what: `probe ${String(result.probe)}: ${result.ok ? 'ok' : 'FAIL'}${result.httpStatus != null ? ` HTTP ${String(result.httpStatus)}` : ''}${result.errorKind ? ` ${String(result.errorKind)}` : ''}`,
        data: result,
      };
    case 'applyMutation':
      if (result.drift)
        return leftAsSetByHand('mutation', 'applied', result, at, runId, {
          step: result.step,
          target: result.target,
          drift: result.drift,
        });
      return {
        at,
        runId,
        kind: 'mutation',
        who: null,
        what: `applied ${String(result.step)}: ${String(result.change)} (${String(result.mode)}) — ${String(result.kubectl)}`,
        data: {
          step: result.step,
          target: result.target,
          change: result.change,
          previous: result.previous,
          kubectl: result.kubectl,
          mode: result.mode,
        },
      };
    case 'revertMutation':
      // A revert that found a value set by hand wrote nothing there: the audit must not say it restored.
      if (result.drift)
        return leftAsSetByHand('revert', 'reverted', result, at, runId, { step: result.step, drift: result.drift });
      return {
        at,
        runId,
        kind: 'revert',
        who: null,
        what: `reverted ${String(result.step)}: ${String(result.change)} restored to its prior state`,
        data: { step: result.step, previous: result.previous, revertKubectl: result.revertKubectl },
      };
    case 'notify':
      return {
        at,
        runId,
        kind: 'notification',
        who: null,
        what: `stakeholder update delivered to ${Array.isArray(result) ? result.length : 0} sink(s)`,
      };
    default:
      return null;
  }
}

/** A change the engine did not make because a human had changed the value since. */
function leftAsSetByHand(
  kind: 'mutation' | 'revert',
  verb: 'applied' | 'reverted',
  result: Record<string, unknown>,
  at: string,
  runId: string,
  data: Record<string, unknown>,
): AuditEntry {
  return {
    at,
    runId,
    kind,
    who: null,
    what: `not ${verb} ${String(result.step)}: ${String(result.change)} was changed by hand since; left as the human set it`,
    data,
  };
}
