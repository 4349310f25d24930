/**
 * Validation of a runbook document: its schema (unknown keys with the key they most likely stand
 * for), then what a schema cannot say — references that resolve, a decision table whose rules can
 * all match, plans that end, change nothing unapproved where the severity requires approval, and
 * never loop; probes that stay inside the catalog entry. Every problem carries its JSON path.
 */
import { jsonPath, unknownKeyProblem, unknownKeys } from '../../contract/index.ts';
import { RunbookDocumentSchema, SETTING_VARIABLES, type RunbookDocument } from './schema.ts';
import { planReferences, stepsOf } from './steps.ts';
import { corroborationProblems, decisionProblems } from './validate-decision.ts';
import { stepProblems } from './validate-steps.ts';
import { known, type DocumentProblem } from './validate-parts.ts';

export type { DocumentProblem } from './validate-parts.ts';

export const describeProblem = (p: DocumentProblem) => `${jsonPath(p.path)}: ${p.message}`;

export type Validated = { ok: true; document: RunbookDocument } | { ok: false; problems: DocumentProblem[] };

export function validateRunbookDocument(raw: unknown): Validated {
  const unknown = unknownKeys(RunbookDocumentSchema, raw);
  if (unknown.length > 0)
    return { ok: false, problems: unknown.map((k) => ({ path: k.path, message: unknownKeyProblem(k) })) };
  const parsed = RunbookDocumentSchema.safeParse(raw);
  if (!parsed.success)
    return {
      ok: false,
      problems: parsed.error.issues.map((i) => ({
        path: i.path.map((p) => (typeof p === 'number' ? p : String(p))),
        message: i.message,
      })),
    };
  const problems = semanticProblems(parsed.data);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, document: parsed.data };
}

function semanticProblems(doc: RunbookDocument): DocumentProblem[] {
  return [
    ...probeProblems(doc),
    ...settingProblems(doc),
    ...evidenceProblems(doc),
    ...decisionProblems(doc),
    ...corroborationProblems(doc),
    ...causeProblems(doc),
    ...planProblems(doc),
    ...cycleProblems(doc),
    ...scenarioProblems(doc),
  ];
}

function probeProblems(doc: RunbookDocument): DocumentProblem[] {
  const problems: DocumentProblem[] = [];
  const ids = doc.probes.triage.map((p) => p.id);
  doc.probes.triage.forEach((probe, i) => {
    const at = ['probes', 'triage', i];
    if (ids.indexOf(probe.id) !== i)
      problems.push({ path: [...at, 'id'], message: `probe id "${probe.id}" is used twice` });
    if (probe.kind === 'http' && !/^\/(?!\/)[^\s?#]*(\?[^\s#]*)?$/.test(probe.path)) {
      problems.push({
        path: [...at, 'path'],
        message: `"${probe.path}" is not a path on the catalog entry's base URL: a probe names no URL or host of its own (write it like /v1/messages)`,
      });
    }
    const credentialHeaders = [doc.auth.header.toLowerCase(), 'authorization', 'cookie', 'proxy-authorization'];
    if (probe.kind === 'http') {
      for (const name of Object.keys(probe.headers ?? {})) {
        if (credentialHeaders.includes(name.toLowerCase()))
          problems.push({
            path: [...at, 'headers', name],
            message: `a probe sends no credential of its own: the service's key goes only through \`auth\` (${doc.auth.header}), from the catalog`,
          });
      }
    }
    if ((probe.kind === 'timing' || probe.kind === 'download') && !ids.includes(probe.of))
      problems.push({ path: [...at, 'of'], message: known('probe', probe.of, ids) });
  });
  return problems;
}

function evidenceProblems(doc: RunbookDocument): DocumentProblem[] {
  const problems: DocumentProblem[] = [];
  const ids = doc.probes.triage.map((p) => p.id);
  const causes = Object.keys(doc.causes);
  const e = doc.evidence;
  [
    ...e.decisive.map((id, i) => ['decisive', i, id] as const),
    ...e.real.map((id, i) => ['real', i, id] as const),
  ].forEach(([key, i, id]) => {
    if (!ids.includes(id)) problems.push({ path: ['evidence', key, i], message: known('probe', id, ids) });
  });
  const hint = doc.probes.triage.find((p) => p.id === e.hint);
  if (!hint || hint.kind !== 'statusPage')
    problems.push({
      path: ['evidence', 'hint'],
      message: `the hint must be a statusPage probe — ${known(
        'statusPage probe',
        e.hint,
        doc.probes.triage.filter((p) => p.kind === 'statusPage').map((p) => p.id),
      )}`,
    });
  e.real.forEach((id, i) => {
    const p = doc.probes.triage.find((q) => q.id === id);
    if (p && p.kind !== 'http')
      problems.push({ path: ['evidence', 'real', i], message: `real calls are http probes; "${id}" is ${p.kind}` });
  });
  e.certain.forEach((c, i) => {
    if (!causes.includes(c)) problems.push({ path: ['evidence', 'certain', i], message: known('cause', c, causes) });
  });
  if (!causes.includes(e.healthyCause))
    problems.push({ path: ['evidence', 'healthyCause'], message: known('cause', e.healthyCause, causes) });
  return problems;
}

/** A setting read from a variable has the variable's type. */
function settingProblems(doc: RunbookDocument): DocumentProblem[] {
  return Object.entries(doc.settings).flatMap(([name, s]) =>
    s.variable !== undefined && SETTING_VARIABLES[s.variable] !== s.type
      ? [
          {
            path: ['settings', name, 'variable'],
            message: `${s.variable} is a ${SETTING_VARIABLES[s.variable]}; this setting is ${s.type === 'integer' ? 'an' : 'a'} ${s.type}`,
          },
        ]
      : [],
  );
}

function causeProblems(doc: RunbookDocument): DocumentProblem[] {
  const plans = Object.keys(doc.plans);
  return Object.entries(doc.causes).flatMap(([id, cause]) =>
    plans.includes(cause.plan) ? [] : [{ path: ['causes', id, 'plan'], message: known('plan', cause.plan, plans) }],
  );
}

/** Steps that change production. A revert puts back the recorded state of a change already approved: not among them. */
const MUTATING = ['setEnv', 'applySecret', 'suspendCronJobs', 'restart'] as const;
const TERMINAL = ['resolve', 'close', 'goto', 'falseAlarm'] as const;
/** What an approval's `then` may hold: it runs once per incident, so nothing that waits on or ends the plan. */
const IN_APPROVAL = [
  'note',
  'setEnv',
  'applySecret',
  'suspendCronJobs',
  'restart',
  'waitForRollout',
  'mitigated',
  'reverting',
  'revert',
  'keep',
] as const;

function planProblems(doc: RunbookDocument): DocumentProblem[] {
  const problems: DocumentProblem[] = [];
  const settings = Object.keys(doc.settings);
  for (const [planId, steps] of Object.entries(doc.plans)) {
    const last = steps.at(-1)!;
    if (!TERMINAL.some((k) => last[k] !== undefined))
      problems.push({
        path: ['plans', planId, steps.length - 1],
        message: `a plan ends with one of ${TERMINAL.join(', ')}`,
      });
    const stepIds = new Map<string, string>();
    for (const { step, path, approved } of stepsOf(steps, ['plans', planId])) {
      stepProblems(doc, step, path, stepIds, settings, problems);
      const kind = Object.keys(step)[0]!;
      if (approved && !(IN_APPROVAL as readonly string[]).includes(kind))
        problems.push({
          path: [...path, kind],
          message: `an approval's \`then\` holds only the changes it approves and their notes (${IN_APPROVAL.join(', ')}); put ${kind} after the approve step`,
        });
    }
  }
  // Severities that require an approval: every change their causes' plans make (and the plans those reach) is approved first.
  for (const [causeId, cause] of Object.entries(doc.causes)) {
    if (!doc.severities[cause.severity].approvalRequired) continue;
    for (const planId of reachablePlans(doc, cause.plan)) {
      for (const { step, path, approved } of stepsOf(doc.plans[planId] ?? [], ['plans', planId])) {
        const kind = MUTATING.find((k) => step[k] !== undefined);
        if (kind && !approved)
          problems.push({
            path,
            message: `${kind} changes production without an approval, and cause ${causeId} is ${cause.severity}, which requires one: put it in the \`then\` of an approve step`,
          });
      }
    }
  }
  return problems;
}

/** The plans a plan reaches through goto and outcomes, itself included. */
export function reachablePlans(doc: RunbookDocument, start: string): string[] {
  const seen: string[] = [];
  const visit = (id: string) => {
    if (seen.includes(id) || !doc.plans[id]) return;
    seen.push(id);
    for (const { step } of stepsOf(doc.plans[id]!, []))
      for (const ref of planReferences(step)) if (ref.plan) visit(ref.plan);
  };
  visit(start);
  return seen;
}

function cycleProblems(doc: RunbookDocument): DocumentProblem[] {
  const problems: DocumentProblem[] = [];
  const reported = new Set<string>();
  const walk = (id: string, trail: string[]) => {
    const steps = doc.plans[id];
    if (!steps) return;
    for (const { step, path } of stepsOf(steps, ['plans', id])) {
      for (const ref of planReferences(step)) {
        if (!ref.plan) continue;
        if (trail.includes(ref.plan)) {
          const members = trail.slice(trail.indexOf(ref.plan));
          // One cycle is reported once, wherever the walk entered it.
          const key = [...members].sort().join(' ');
          if (!reported.has(key))
            problems.push({
              path: [...path, ...ref.path],
              message: `plans form a cycle: ${[...members, ref.plan].join(' → ')}`,
            });
          reported.add(key);
        } else {
          walk(ref.plan, [...trail, ref.plan]);
        }
      }
    }
  };
  for (const id of Object.keys(doc.plans)) walk(id, [id]);
  return problems;
}

function scenarioProblems(doc: RunbookDocument): DocumentProblem[] {
  const causes = Object.keys(doc.causes);
  return Object.entries(doc.tooling.scenarios).flatMap(([name, s]) =>
    causes.includes(s.expectedCause)
      ? []
      : [{ path: ['tooling', 'scenarios', name, 'expectedCause'], message: known('cause', s.expectedCause, causes) }],
  );
}
