import { defineSearchAttributeKey, SearchAttributeType, type TypedSearchAttributes } from '@temporalio/common';
import { OperationFailedError } from './errors.ts';

/**
 * Temporal's own search attribute for a run whose workflow tasks keep failing or timing out, set
 * after a few attempts in a row and cleared once one completes. Values read like
 * `["category=WorkflowTaskFailed", "cause=WorkflowTaskFailedCauseNonDeterministicError"]`.
 */
const REPORTED_PROBLEMS = defineSearchAttributeKey('TemporalReportedProblems', SearchAttributeType.KEYWORD_LIST);

export interface WorkflowTaskProblem {
  /** `WorkflowTaskFailed` or `WorkflowTaskTimedOut`. */
  category: string;
  /** The failure's cause without its prefix (`NonDeterministicError`), or null when none is given. */
  cause: string | null;
  /** Its workflow code cannot go on until an operator acts: a task that failed, not one that was slow. */
  stuck: boolean;
}

export function workflowTaskProblem(attributes: TypedSearchAttributes): WorkflowTaskProblem | null {
  const values = attributes.get(REPORTED_PROBLEMS);
  if (!values?.length) return null;
  const field = (name: string) => values.find((v) => v.startsWith(`${name}=`))?.slice(name.length + 1) ?? null;
  const category = field('category') ?? 'unknown';
  const cause = field('cause')?.replace(/^WorkflowTaskFailedCause/, '') ?? null;
  return { category, cause, stuck: category === 'WorkflowTaskFailed' };
}

/** One line for a list or a log: "WorkflowTaskFailed: NonDeterministicError". */
export function describeProblem(problem: WorkflowTaskProblem): string {
  return problem.cause ? `${problem.category}: ${problem.cause}` : problem.category;
}

/**
 * The incident is open but its workflow cannot run: every attempt at its next workflow task fails
 * (a nondeterminism error, a bug in workflow code). Nothing it was asked was sent, and neither a
 * query nor an approval can be answered until an operator resets it or fixes the worker.
 */
export class IncidentStuckError extends OperationFailedError {
  readonly incidentId: string;
  readonly problem: WorkflowTaskProblem;
  constructor(incidentId: string, problem: WorkflowTaskProblem, doing: string) {
    super(
      `incident ${incidentId} is stuck: Temporal reports its workflow task failing on every attempt ` +
        `(${describeProblem(problem)}), so it cannot ${doing}. Nothing was sent. It needs an operator: ` +
        `see "An incident stuck on a failing workflow task" in docs/operating.md`,
    );
    this.name = 'IncidentStuckError';
    this.incidentId = incidentId;
    this.problem = problem;
  }
}

/** Refuses at once, before anything is sent, when the incident's workflow tasks keep failing. */
export function requireNotStuck(
  incidentId: string,
  description: { typedSearchAttributes: TypedSearchAttributes },
  doing: string,
): void {
  const problem = workflowTaskProblem(description.typedSearchAttributes);
  if (problem?.stuck) throw new IncidentStuckError(incidentId, problem, doing);
}
