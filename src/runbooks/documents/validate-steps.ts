/** Checks of one plan step that its schema cannot make: the names it refers to resolve, its options fit together. */
import type { RunbookDocument, StepShape } from './schema.ts';
import { planReferences } from './steps.ts';
import { known, type DocumentProblem } from './validate-parts.ts';

type Path = (string | number)[];

export function stepProblems(
  doc: RunbookDocument,
  step: StepShape,
  path: Path,
  stepIds: Map<string, string>,
  settings: string[],
  problems: DocumentProblem[],
): void {
  const plans = Object.keys(doc.plans);
  const own =
    step.approve?.id ??
    step.confirmFix?.id ??
    step.rotateSecret?.id ??
    step.askSecret?.id ??
    step.setEnv?.id ??
    step.applySecret?.id ??
    step.suspendCronJobs?.id ??
    step.restart?.id;
  const kind = Object.keys(step)[0]!;
  if (own !== undefined) {
    const other = stepIds.get(own);
    // An approval and the change it approves may share an id; two changes may not.
    if (other !== undefined && other !== 'approve' && kind !== 'approve')
      problems.push({ path: [...path, kind, 'id'], message: `step id "${own}" is used twice in this plan` });
    stepIds.set(own, kind);
  }
  // The reference a rotation asks for is named in its texts, and in later steps, as an askSecret's is.
  if (step.rotateSecret) stepIds.set(step.rotateSecret.ask.id, 'askSecret');
  if (step.goto !== undefined && !plans.includes(step.goto))
    problems.push({ path: [...path, 'goto'], message: known('plan', step.goto, plans) });
  objectProblems(doc, step, path, stepIds, problems);
  const integer = (name: string | undefined, at: Path) => {
    if (name !== undefined && doc.settings[name]?.type !== 'integer')
      problems.push({
        path: [...path, ...at],
        message: known(
          'integer setting',
          name,
          settings.filter((s) => doc.settings[s]!.type === 'integer'),
        ),
      });
  };
  integer(step.verify?.graceSetting, ['verify', 'graceSetting']);
  integer(step.watch?.graceSetting, ['watch', 'graceSetting']);
  integer(step.confirmFix?.graceSetting, ['confirmFix', 'graceSetting']);
  integer(step.waitForRecovery?.escalateAfterSetting, ['waitForRecovery', 'escalateAfterSetting']);
  approvalProblems(doc, step, path, settings, problems);
  for (const ref of planReferences(step))
    if (ref.plan !== undefined && !plans.includes(ref.plan))
      problems.push({ path: [...path, ...ref.path], message: known('plan', ref.plan, plans) });
  for (const text of templatesOf(step)) {
    for (const name of text.matchAll(/\{settings\.([^}|]+)(\|s)?\}/g)) {
      if (!settings.includes(name[1]!)) problems.push({ path, message: known('setting', name[1]!, settings) });
      else if (name[2] && doc.settings[name[1]!]!.type !== 'integer')
        problems.push({
          path,
          message: `"{settings.${name[1]!}|s}" reads a time in ms: ${name[1]!} is not an integer setting`,
        });
    }
    for (const name of text.matchAll(/\{secrets\.([^}]+)\}/g))
      if (stepIds.get(name[1]!) !== 'askSecret')
        problems.push({ path, message: `"{secrets.${name[1]!}}" names no askSecret step earlier in this plan` });
  }
}

/** The objects a change names exist, and a secret comes from an askSecret earlier in the plan. */
function objectProblems(
  doc: RunbookDocument,
  step: StepShape,
  path: Path,
  stepIds: Map<string, string>,
  problems: DocumentProblem[],
): void {
  const secrets = Object.keys(doc.objects.secrets);
  for (const [kind, secret] of [
    ['applySecret', step.applySecret?.secret],
    ['rotateSecret', step.rotateSecret?.secret],
  ] as const)
    if (secret !== undefined && !secrets.includes(secret))
      problems.push({ path: [...path, kind, 'secret'], message: known('secret object', secret, secrets) });
  if (step.applySecret && stepIds.get(step.applySecret.from) !== 'askSecret')
    problems.push({
      path: [...path, 'applySecret', 'from'],
      message: `"${step.applySecret.from}" is not an askSecret step earlier in this plan`,
    });
  if (step.holdUntilStable && stepIds.get(step.holdUntilStable.step) !== 'setEnv')
    problems.push({
      path: [...path, 'holdUntilStable', 'step'],
      message: `"${step.holdUntilStable.step}" is not a setEnv step earlier in this plan (inside the approval that allows it)`,
    });
  if (step.suspendCronJobs && doc.objects.cronJobs[step.suspendCronJobs.cronJobs] === undefined)
    problems.push({
      path: [...path, 'suspendCronJobs', 'cronJobs'],
      message: known('cronJobs object', step.suspendCronJobs.cronJobs, Object.keys(doc.objects.cronJobs)),
    });
}

function approvalProblems(
  doc: RunbookDocument,
  step: StepShape,
  path: Path,
  settings: string[],
  problems: DocumentProblem[],
): void {
  const approve = step.approve;
  if (!approve) return;
  if (approve.autoApproveWhen !== undefined && doc.settings[approve.autoApproveWhen]?.type !== 'boolean')
    problems.push({
      path: [...path, 'approve', 'autoApproveWhen'],
      message: known(
        'boolean setting',
        approve.autoApproveWhen,
        settings.filter((s) => doc.settings[s]!.type === 'boolean'),
      ),
    });
  for (const key of ['autoApproveSeverities', 'autoApproveReason'] as const)
    if (approve[key] !== undefined && approve.autoApproveWhen === undefined)
      problems.push({
        path: [...path, 'approve', key],
        message: `${key} qualifies autoApproveWhen: name the boolean setting that allows the approval`,
      });
  if (approve.onSuperseded !== undefined && !approve.whileRecovered)
    problems.push({
      path: [...path, 'approve', 'onSuperseded'],
      message: 'only a request asked whileRecovered is superseded by a failing real call: add whileRecovered: true',
    });
}

const templatesOf = (step: StepShape): string[] =>
  [
    step.note,
    step.notify,
    step.approve?.description,
    step.approve?.autoApproveReason,
    step.confirmFix?.description,
    step.rotateSecret?.description,
    step.rotateSecret?.ask.description,
    step.rotateSecret?.keep,
    ...Object.values(step.holdUntilStable?.restore ?? {}).filter((v): v is string => typeof v === 'string'),
    ...Object.values(step.holdUntilStable?.relapse ?? {}).filter((v): v is string => typeof v === 'string'),
    step.confirmFix?.stillFailing,
    step.waitForRecovery?.escalation,
    step.askSecret?.description,
    step.setEnv?.value,
    step.mitigated,
    step.resolve,
    step.close,
    step.keep?.reason,
    step.revert?.reverting,
    ...[
      step.approve?.onDecline,
      step.approve?.onSuperseded,
      step.approve?.onRecoveredFirst,
      step.confirmFix?.onDecline,
      step.rotateSecret?.onMissing,
      step.rotateSecret?.onDecline,
      step.holdUntilStable?.restore.onDecline,
      step.holdUntilStable?.relapse.onDecline,
      step.askSecret?.onMissing,
      step.verify?.onFail,
      step.watch?.onRelapse,
    ].flatMap((o) => (typeof o === 'object' ? Object.values(o) : [])),
  ].filter((t): t is string => t !== undefined);
