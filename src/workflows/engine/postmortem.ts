import {
  describeRunbookDocument,
  digestTimeline,
  humanDuration,
  markdownInline as md,
  type CauseChange,
  type Decision,
  type MutationRecord,
  type TimelineEntry,
} from '../../contract/index.ts';

export interface PostmortemInput {
  title: string;
  incidentId: string;
  startedAt: string;
  endedAt: string | null;
  decision: Decision | null;
  /** What the runbook calls the cause (e.g. "Provider outage"): the root cause until a human names one. */
  causeSummary?: string | null;
  summary: string;
  rootCause: string | null;
  timeline: TimelineEntry[];
  mutations: MutationRecord[];
  /** The sequence of causes (re-triage); absent for incidents judged once. */
  causes?: CauseChange[];
  actionItems: string[];
  owner: string | null;
  state: string;
  /** The runbook document the incident ran on, when it is one. */
  runbookDocument?: { id: string; version: number; sha256: string } | null;
}

const hhmm = (iso: string) => iso.slice(11, 16);

/** The alert that opened the incident (alert intake), recorded before anything else. */
const openingAlert = (timeline: TimelineEntry[]) => (timeline[0]?.kind === 'alert' ? timeline[0] : undefined);

/** Milestones the postmortem template asks for, found in the timeline; an alert-opened incident names its alert first. */
function milestones(timeline: TimelineEntry[], startedAt: string): Array<{ at: string; text: string }> {
  const opening = openingAlert(timeline);
  const out: Array<{ at: string; text: string }> = [
    { at: startedAt, text: opening ? `First alert triggered: ${opening.message}` : 'First alert triggered' },
  ];
  const first = (predicate: (e: TimelineEntry) => boolean) => timeline.find(predicate);
  const triage = first((e) => e.kind === 'state' && e.message.includes('investigating'));
  if (triage) out.push({ at: triage.at, text: 'Triage started' });
  const decisions = timeline.filter((e) => e.kind === 'decision');
  if (decisions[0]) out.push({ at: decisions[0].at, text: `Cause identified: ${decisions[0].message}` });
  for (const change of decisions.slice(1)) out.push({ at: change.at, text: `Cause changed (${change.message})` });
  return out;
}

/** Timeline entries the postmortem leaves to the milestones, or out: notifications, decisions, the opening. */
const told = (e: TimelineEntry, opening: TimelineEntry | undefined) =>
  e === opening ||
  e.kind === 'notification' ||
  e.kind === 'decision' ||
  (e.kind === 'state' && e.message.includes('investigating'));

/** The timeline as the console digests it: one line per probe round, identical ones folded with their span. */
function timelineLines(input: PostmortemInput): Array<{ at: string; text: string }> {
  const opening = openingAlert(input.timeline);
  const rows = digestTimeline(input.timeline.filter((e) => !told(e, opening))).map((row) => {
    const text = row.kind === 'state' ? stateMilestone(row.text) : `${labelFor(row.kind)}${row.text}`;
    return { at: row.at, text: row.count > 1 ? `${text} (${row.count} times, until ${hhmm(row.until)})` : text };
  });
  return [...milestones(input.timeline, input.startedAt), ...rows].sort((a, b) => a.at.localeCompare(b.at));
}

/** `[Fix] Raise the top-up` → `**Fix:** Raise the top-up`: the kind in words, not a checkbox. */
function actionItem(item: string, owner: string | null): string {
  const kind = /^\[(\w+)\]\s*/.exec(item);
  const text = kind ? `**${kind[1]}:** ${md(item.slice(kind[0].length))}` : md(item);
  return `- ${text} (owner: ${owner ? `@${md(owner)}` : 'to be named'}, due: to be set)`;
}

/** The postmortem template, rendered from the incident's own record. */
export function renderPostmortem(input: PostmortemInput): string {
  const end = input.endedAt ?? input.timeline.at(-1)?.at ?? input.startedAt;
  const cause = input.decision?.cause ?? 'undetermined';
  const lines: string[] = [
    `## Incident: ${input.title} — ${cause.replace(/_/g, ' ')}`,
    '',
    `- **Date:** ${input.startedAt.slice(0, 10)} ${hhmm(input.startedAt)} UTC`,
    `- **Duration:** ${humanDuration(Date.parse(end) - Date.parse(input.startedAt))}${input.endedAt ? '' : ' so far'}`,
    `- **Severity:** ${input.decision?.severity ?? 'unclassified'}`,
    `- **Incident:** ${input.incidentId}`,
    `- **Outcome:** ${input.state}`,
    `- **Owner:** ${input.owner ? `@${md(input.owner)}` : 'unassigned'}`,
    ...(input.runbookDocument ? [`- **Runbook:** document ${md(describeRunbookDocument(input.runbookDocument))}`] : []),
    '',
    '### Summary',
    md(input.summary),
    '',
    '### Timeline',
  ];
  // People's text (notes, names, root cause) is inlined: it cannot open a heading or a new timeline line.
  for (const entry of timelineLines(input)) lines.push(`- ${hhmm(entry.at)} - ${md(entry.text)}`);
  lines.push(
    '',
    '### Root Cause',
    md(input.rootCause ?? input.causeSummary ?? input.decision?.rationale ?? 'Not determined.'),
    '',
  );
  if (input.decision) lines.push(`**Evidence:** ${md(input.decision.rationale)}`, '');
  if (input.causes && input.causes.length > 1) {
    lines.push('### Causes (re-triage)');
    for (const c of input.causes) lines.push(`- ${hhmm(c.at)} ${c.severity} ${c.cause}: ${md(c.why)}`);
    lines.push('');
  }
  if (input.mutations.length > 0) {
    lines.push('### Changes Made');
    for (const m of input.mutations) {
      const fate = m.revertedAt
        ? `, reverted ${hhmm(m.revertedAt)}`
        : m.keptBecause
          ? `, kept: ${m.keptBecause}`
          : ', still in place';
      lines.push(`- ${hhmm(m.appliedAt)} \`${m.kubectl}\` (${m.mode}${fate})`);
    }
    lines.push('');
  }
  lines.push('### Action Items');
  for (const item of input.actionItems) lines.push(actionItem(item, input.owner));
  if (input.actionItems.length === 0) lines.push('None recorded.');
  return `${lines.join('\n')}\n`;
}

/** `mitigated: fallback enabled` → `Mitigated: fallback enabled`, as the template's milestones read. */
function stateMilestone(message: string): string {
  return `${message.charAt(0).toUpperCase()}${message.slice(1).replace(/^(\w+)_(\w)/, '$1 $2')}`;
}

function labelFor(kind: TimelineEntry['kind']): string {
  switch (kind) {
    case 'mutation':
      return 'Change applied: ';
    case 'reverted':
      return 'Change reverted: ';
    case 'approved':
      return 'Approved: ';
    case 'rejected':
      return 'Rejected: ';
    case 'escalation':
      return 'Escalated: ';
    case 'approval_requested':
      return 'Approval requested: ';
    default:
      return '';
  }
}
