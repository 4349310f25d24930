import {
  healthText,
  statusQuery,
  terminalSafe,
  timelineQuery,
  unseenEntries,
  type ApprovalRequest,
  type IncidentResult,
  type IncidentStatus,
  type TimelineEntry,
} from '../contract/index.ts';
import type { Client } from '@temporalio/client';
import type { IncidentHandle } from './incident-workflow.ts';
import { incidentHandle } from './incidents.ts';

export interface FollowOptions {
  /** One line per timeline event. */
  print: (line: string) => void;
  /** Called once per pending approval (auto-approve, or the interactive prompt). */
  onApproval?: (request: ApprovalRequest, status: IncidentStatus) => Promise<void>;
  pollMs?: number;
  signal?: AbortSignal;
  /** On a terminal: a live status line (phase, spinner, monitoring counts) under the events. */
  statusLine?: (text: string | null) => void;
  /** Every status the follower read (once per poll while the incident runs). */
  onStatus?: (status: IncidentStatus) => void;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** The live line under the events: what the incident is doing right now. */
export function describeNow(status: IncidentStatus, tick: number): string {
  const spin = SPINNER[tick % SPINNER.length];
  const head = `${spin} ${status.severity ?? 'P?'} ${status.cause ?? 'triage'} — ${status.state}`;
  // A pending approval is what the reader can act on: it comes before the monitoring counts.
  const pending = status.pendingApprovals.map((a) => a.stepId);
  if (pending.length) return `${head}: waiting for ${pending.join(', ')}`;
  if (status.monitor) return `${head}: ${healthText(status.monitor)} (poll ${status.monitor.polls})`;
  return head;
}

export function formatEntry(entry: TimelineEntry): string {
  // Timeline messages carry other people's text: strip terminal controls (ESC, BEL, CR) on the way out.
  return terminalSafe(`${entry.at.slice(11, 19)}  ${entry.kind.padEnd(18)} ${entry.message}`);
}

/**
 * Follows an incident from its queries until it closes (or `signal` aborts): the same view for
 * `start --follow`, `status --follow` and drills. Returns the result when the incident closed.
 */
export async function followIncident(handle: IncidentHandle, options: FollowOptions): Promise<IncidentResult | null> {
  const seen = { count: 0, lastSeq: 0 };
  let tick = 0;
  const handled = new Set<string>();
  const print = (line: string) => {
    options.statusLine?.(null);
    options.print(line);
  };
  const pollMs = options.pollMs ?? 250;
  for (;;) {
    if (options.signal?.aborted) return null;
    const description = await handle.describe();
    if (description.status.name !== 'RUNNING' && description.status.name !== 'CONTINUED_AS_NEW') {
      const result = await handle.result();
      for (const entry of unseenEntries(result.timeline, seen)) print(formatEntry(entry));
      options.statusLine?.(null);
      return result;
    }
    try {
      const timeline = await handle.query(timelineQuery);
      for (const entry of unseenEntries(timeline, seen)) print(formatEntry(entry));
      if (options.onApproval || options.statusLine || options.onStatus) {
        const status = await handle.query(statusQuery);
        options.onStatus?.(status);
        options.statusLine?.(describeNow(status, tick++));
        for (const request of options.onApproval ? status.pendingApprovals : []) {
          if (handled.has(request.stepId)) continue;
          handled.add(request.stepId);
          options.statusLine?.(null);
          await options.onApproval!(request, status);
        }
      }
    } catch (err) {
      // Between runs of a continued-as-new incident a query can miss: the next poll catches up.
      if (!/not found|continued|no poller|closed/i.test((err as Error).message)) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** `followIncident` for an incident named by id (`runbook start --follow`, `runbook status --follow`). */
export async function followIncidentById(
  client: Client,
  id: string,
  options: FollowOptions,
): Promise<IncidentResult | null> {
  return followIncident((await incidentHandle(client, id)).handle, options);
}
