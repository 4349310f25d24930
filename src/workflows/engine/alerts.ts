import { workflowInfo } from '@temporalio/workflow';
import type { AlertSignal, TimelineEntry } from '../../contract/index.ts';
import { cut } from './bounds.ts';
import type { TimelinePort } from './ports.ts';
import type { AlertsSlice, AlertTally } from './slices.ts';

export type { AlertTally };

/** How much of each alert the incident keeps; the intake's own limits (50 labels, 500 characters) are wider. */
export const ALERT_BOUNDS = {
  /** Entries of one fingerprint and status on the timeline; later ones fold into the last of them. */
  perFingerprint: 3,
  /** Fingerprints whose history is kept; the least recently seen is forgotten first. */
  fingerprints: 200,
  labels: 10,
  labelKey: 40,
  labelValue: 80,
  url: 300,
  summary: 300,
} as const;

/**
 * History this long makes the run continue as new, whatever the timers say. Below Temporal's
 * limits (50,000 events, 50 MB, 10,000 signals per run) with room for a burst already on its way.
 */
export const HISTORY_BOUNDS = { events: 3_000, bytes: 8 * 1024 * 1024 } as const;

/** Where alerts go: new timeline entries, and repeats folded into the last one. */
export type AlertTimeline = Pick<TimelinePort, 'add'> & {
  repeated(same: (e: TimelineEntry) => boolean, now: string): boolean;
};

/** The alert as the timeline keeps it: the first labels, each cut short; the summary is in the message. */
export function alertData(alert: AlertSignal): Record<string, unknown> {
  const labels = Object.entries(alert.labels);
  return {
    source: alert.source,
    status: alert.status,
    fingerprint: cut(alert.fingerprint, 200),
    labels: Object.fromEntries(
      labels
        .slice(0, ALERT_BOUNDS.labels)
        .map(([k, v]) => [cut(k, ALERT_BOUNDS.labelKey), cut(v, ALERT_BOUNDS.labelValue)]),
    ),
    ...(labels.length > ALERT_BOUNDS.labels ? { labelsOmitted: labels.length - ALERT_BOUNDS.labels } : {}),
    ...(alert.generatorURL ? { generatorURL: cut(alert.generatorURL, ALERT_BOUNDS.url) } : {}),
  };
}

export function alertMessage(alert: AlertSignal): string {
  const where = alert.generatorURL ? ` — ${cut(alert.generatorURL, ALERT_BOUNDS.url)}` : '';
  const what = cut(alert.summary || alert.labels.alertname || alert.fingerprint, ALERT_BOUNDS.summary);
  return `${alert.source} alert ${alert.status}: ${what} (fingerprint ${cut(alert.fingerprint, 200)})${where}`;
}

/**
 * Records alerts without letting their number grow the incident: the first few of a fingerprint
 * (and every change of its status) become timeline entries, later ones are counted and raise
 * the repeat count of the fingerprint's last entry if it is still on the timeline. `record` says whether a new entry was made (a resolved one asks for a re-check).
 */
export class AlertRecorder {
  private readonly received: AlertsSlice;
  private readonly timeline: AlertTimeline;

  constructor(received: AlertsSlice, timeline: AlertTimeline) {
    this.received = received;
    this.timeline = timeline;
  }

  private get tally(): AlertTally {
    return (this.received.alerts ??= { received: 0, folded: 0, fingerprints: [] });
  }

  record(alert: AlertSignal, now: string): boolean {
    const tally = this.tally;
    tally.received += 1;
    const fingerprint = cut(alert.fingerprint, 200);
    const at = tally.fingerprints.findIndex((f) => f.fingerprint === fingerprint);
    const known =
      at >= 0 ? tally.fingerprints.splice(at, 1)[0]! : { fingerprint, status: alert.status, recorded: 0, seen: 0 };
    if (known.status !== alert.status) Object.assign(known, { status: alert.status, recorded: 0 });
    known.seen += 1;
    // Most recently seen last: the first one is the one to forget.
    tally.fingerprints.push(known);
    if (tally.fingerprints.length > ALERT_BOUNDS.fingerprints) tally.fingerprints.shift();
    if (known.recorded >= ALERT_BOUNDS.perFingerprint) {
      this.fold(fingerprint, alert.status, now);
      tally.folded += 1;
      return false;
    }
    known.recorded += 1;
    this.timeline.add('alert', alertMessage(alert), alertData(alert));
    return true;
  }

  /** Raises the repeat count of the fingerprint's last entry while it is on the timeline (the tally counts it either way). */
  private fold(fingerprint: string, status: AlertSignal['status'], now: string): void {
    this.timeline.repeated((e) => {
      const d = e.data as Record<string, unknown> | undefined;
      return e.kind === 'alert' && d?.fingerprint === fingerprint && d.status === status;
    }, now);
  }
}

/** History grows with every signal: past these bounds (or when Temporal suggests it) the run continues as new. */
export function historyTooLong(): boolean {
  const info = workflowInfo();
  return (
    info.continueAsNewSuggested ||
    info.historyLength >= HISTORY_BOUNDS.events ||
    info.historySize >= HISTORY_BOUNDS.bytes
  );
}
