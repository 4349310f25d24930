import {
  ENDED_INCIDENT_STATES,
  healthText,
  humanDuration,
  type IncidentState,
  type IncidentStatus,
  type Severity,
} from '../../contract/index.ts';
import { html, type Html } from '../html.ts';
import { timeEl } from './time.ts';

/**
 * Severity and state as badges that do not rely on colour: each carries a shape and words, the
 * colour only repeats what they say (a reader who cannot tell red from green loses nothing).
 */
const SEVERITY: Record<Severity, { shape: string; words: string }> = {
  P1: { shape: '◆', words: 'critical' },
  P2: { shape: '▲', words: 'major' },
  P3: { shape: '●', words: 'minor' },
  P4: { shape: '○', words: 'low' },
};

/** The tone a state is drawn in: act (a human must), work (the engine is on it), calm (in place, watching), done, off. */
const STATE: Record<IncidentState, { shape: string; tone: 'act' | 'work' | 'calm' | 'done' | 'off' }> = {
  investigating: { shape: '…', tone: 'work' },
  blocked: { shape: '■', tone: 'act' },
  awaiting_approval: { shape: '‖', tone: 'act' },
  mitigating: { shape: '↻', tone: 'work' },
  mitigated: { shape: '◐', tone: 'calm' },
  monitoring: { shape: '◐', tone: 'calm' },
  reverting: { shape: '↺', tone: 'work' },
  needs_human: { shape: '!', tone: 'act' },
  resolved: { shape: '✓', tone: 'done' },
  closed: { shape: '✓', tone: 'off' },
  cancelled: { shape: '✕', tone: 'off' },
  failed: { shape: '✕', tone: 'act' },
};

export function severityBadge(severity: Severity | null | undefined): Html {
  if (!severity)
    return html`<span class="badge sev sev-none" title="Severity not known until triage decides"><span aria-hidden="true">?</span> unclassified</span>`;
  const s = SEVERITY[severity];
  return html`<span class="badge sev sev-${severity}"><span aria-hidden="true">${s.shape}</span> ${severity} ${s.words}</span>`;
}

/** The state badge; `#state` holds the state's own name (what the CLI and the API say). */
export function stateBadge(state: IncidentState, id = false): Html {
  const s = STATE[state] ?? { shape: '·', tone: 'work' };
  return html`<span class="badge state tone-${s.tone}"><span aria-hidden="true">${s.shape}</span> ${id ? html`<span id="state">${state}</span>` : state}</span>`;
}

const CLOSED = ENDED_INCIDENT_STATES;

/** What the engine is doing or waiting for, in one sentence. */
function engineLine(s: IncidentStatus, now: number): Html {
  const secret = s.pendingApprovals.find((a) => a.awaits === 'secret-ref');
  const decide = s.pendingApprovals.filter((a) => a.awaits !== 'secret-ref');
  if (decide.length) {
    const first = decide[0]!;
    return html`<strong>Waiting for a human:</strong> approve or reject <a href="#approvals">${decide.map((a) => a.stepId).join(', ')}</a> — deadline ${timeEl(first.deadline, 'in', now)}.`;
  }
  if (secret)
    return html`<strong>Waiting for a human:</strong> hand over a secret reference for <a href="#approvals">${secret.stepId}</a> — deadline ${timeEl(secret.deadline, 'in', now)}.`;
  switch (s.state) {
    case 'needs_human':
      return html`<strong>A human owns this incident:</strong> choose what happens <a href="#needs-human">below</a>; real calls are still watched.`;
    case 'blocked':
      return html`<strong>Triage is blocked:</strong> ${s.blocker ?? 'the probes cannot run'}. It tries again by itself.`;
    case 'investigating':
      return html`<strong>Now:</strong> the engine runs its triage probes.`;
    case 'mitigating':
      return html`<strong>Now:</strong> the engine applies the approved change, then verifies it.`;
    case 'reverting':
      return html`<strong>Now:</strong> the engine reverts the change, then verifies the provider stays healthy.`;
    case 'mitigated':
    case 'monitoring':
      return html`<strong>Now:</strong> the engine watches real calls${s.monitor ? html` until ${String(s.monitor.required)} succeed in a row (${healthText(s.monitor)})` : ''}.`;
    default:
      return html`<strong>Ended:</strong> ${s.state}${s.endedAt ? html` ${timeEl(s.endedAt, 'ago', now)}` : ''}; nothing more will happen.`;
  }
}

/** When people hear next: the stakeholder update, and the response time (SLA) while nobody has acknowledged. */
function dueLine(s: IncidentStatus, now: number): Html | '' {
  if (CLOSED.includes(s.state)) return '';
  const parts: Html[] = [];
  if (s.responseDueAt)
    parts.push(
      html`<span class="due">Acknowledge ${timeEl(s.responseDueAt, 'in', now)} (response time), or the next on-call is paged</span>`,
    );
  if (s.nextUpdateAt)
    parts.push(html`<span class="due">Next stakeholder update ${timeEl(s.nextUpdateAt, 'in', now)}</span>`);
  return parts.length ? html`<p class="dues">${parts.map((p, i) => html`${i ? ' · ' : ''}${p}`)}</p>` : '';
}

/**
 * The top of the incident page, read in ten seconds: severity and state (shape + words), the
 * symptom as reported, the cause, what happens next and when people hear next. Nothing here
 * repeats a past decision as if it were the plan now (the triage rationale is under Details).
 */
export function incidentHeader(s: IncidentStatus, now: number): Html {
  const cause = s.cause
    ? s.cause.replace(/_/g, ' ')
    : s.state === 'blocked'
      ? 'not known: triage is blocked'
      : CLOSED.includes(s.state)
        ? 'not determined'
        : 'not known yet (triage running)';
  return html`<section class="header tone-${STATE[s.state]?.tone ?? 'work'}" id="summary">
<p class="badges">${severityBadge(s.severity)} ${stateBadge(s.state, true)} <span class="told">stakeholders told: ${s.communicationStatus}</span></p>
${s.symptom ? html`<p class="symptom">“${s.symptom}”</p>` : ''}
<p class="cause"><strong>Cause:</strong> ${cause}</p>
<p class="next" id="next">${engineLine(s, now)}</p>
${dueLine(s, now)}</section>`;
}

/** The facts under the pending action: who, since when, monitoring, and why triage decided what it did. */
export function incidentFacts(s: IncidentStatus, now: number): Html {
  const opened = html`Opened ${timeEl(s.startedAt, 'ago', now)}`;
  const span = s.endedAt
    ? html`lasted ${humanDuration(Date.parse(s.endedAt) - Date.parse(s.startedAt))}`
    : html`open for ${timeEl(s.startedAt, 'for', now)}`;
  return html`<section id="facts"><h2>Details</h2>
<p>${opened} (${span}) · Owner: ${s.owner ?? 'nobody yet'}${s.acknowledged ? ' (acknowledged)' : ''}${s.monitor ? html` · Real calls: ${healthText(s.monitor)}, poll ${String(s.monitor.polls)}` : ''}</p>
${s.blocker ? html`<p class="flash">Blocked: ${s.blocker}</p>` : ''}
${s.rationale ? html`<p class="rationale"><strong>Triage found:</strong> ${s.rationale}</p>` : ''}</section>`;
}
