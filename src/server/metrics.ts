import type { TemporalClient } from '../app/temporal-client.ts';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { Logger } from 'pino';
import { incidentRows } from '../app/incidents.ts';
import type { DeliveryQueue } from './intake/delivery-queue.ts';
import type { LivePollers } from './live-events.ts';
import type { TemporalHealth } from '../app/temporal-health.ts';

interface IncidentFigures {
  byStateSeverity: Map<string, { state: string; severity: string; count: number }>;
  pendingApprovals: number;
  oldestApprovalAgeSeconds: number;
  oldestNeedsHumanAgeSeconds: number;
  stuck: number;
  at: number;
}

/**
 * Reads every open incident from visibility, approvals and hand-over from each one's memo: no
 * status query, so a scrape never makes the worker replay an incident its cache evicted.
 */
async function readIncidentFigures(client: TemporalClient): Promise<IncidentFigures> {
  const now = Date.now();
  const figures: IncidentFigures = {
    byStateSeverity: new Map(),
    pendingApprovals: 0,
    oldestApprovalAgeSeconds: 0,
    oldestNeedsHumanAgeSeconds: 0,
    stuck: 0,
    at: now,
  };
  const ageOf = (iso: string) => Math.max(0, (now - Date.parse(iso)) / 1000);
  for await (const row of incidentRows(client, { all: false })) {
    const state = row.state ?? 'unknown';
    const severity = row.severity ?? 'none';
    const key = `${state}\u0000${severity}`;
    const cell = figures.byStateSeverity.get(key) ?? { state, severity, count: 0 };
    cell.count += 1;
    figures.byStateSeverity.set(key, cell);
    if (row.stuck) figures.stuck += 1;
    const { approvalsPending, pendingSteps, handedOverAt } = row.attention;
    figures.pendingApprovals += approvalsPending;
    // Oldest first: the memo names the steps in the order they were asked.
    if (pendingSteps[0])
      figures.oldestApprovalAgeSeconds = Math.max(figures.oldestApprovalAgeSeconds, ageOf(pendingSteps[0].requestedAt));
    if (state === 'needs_human' && handedOverAt)
      figures.oldestNeedsHumanAgeSeconds = Math.max(figures.oldestNeedsHumanAgeSeconds, ageOf(handedOverAt));
  }
  return figures;
}

type ReadFigures = () => Promise<IncidentFigures | null>;

/**
 * The console's Prometheus registry. Incident figures come from Temporal at most once per
 * `refreshSeconds` (a scrape in between is answered from the last reading), so scraping harder
 * does not load Temporal; the rest are counters this process keeps anyway.
 */
export function createConsoleMetrics(options: {
  client: TemporalClient;
  health: TemporalHealth;
  queue: DeliveryQueue;
  live: LivePollers;
  refreshSeconds: number;
  log: Logger;
}): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  registerIncidentGauges(registry, throttledFigures(registry, options));
  registerTemporalUp(registry, options.health);
  registerIntakeMetrics(registry, options.queue);
  registerLiveMetrics(registry, options.live);
  return registry;
}

/** The incident figures, read from Temporal at most once per `refreshSeconds`; a failed reading keeps the last good one. */
function throttledFigures(
  registry: Registry,
  options: { client: TemporalClient; health: TemporalHealth; refreshSeconds: number; log: Logger },
): ReadFigures {
  let figures: IncidentFigures | null = null;
  let lastTry = 0;
  let reading: Promise<void> | null = null;
  const refreshErrors = new Counter({
    name: 'runbook_incidents_refresh_errors_total',
    help: 'Readings of the open incidents from Temporal that failed (the gauges keep the last good reading).',
    registers: [registry],
  });
  return async () => {
    if (Date.now() - lastTry >= options.refreshSeconds * 1000) {
      lastTry = Date.now();
      reading ??= options.health
        .call(() => readIncidentFigures(options.client))
        .then((read) => {
          figures = read;
        })
        .catch((err: unknown) => {
          refreshErrors.inc();
          options.log.warn({ err: (err as Error).message }, 'metrics: open incidents not read');
        })
        .finally(() => {
          reading = null;
        });
    }
    if (reading) await reading;
    return figures;
  };
}

function registerIncidentGauges(registry: Registry, fresh: ReadFigures): void {
  const gauge = (name: string, help: string, read: (f: IncidentFigures, g: Gauge) => void, labelNames: string[] = []) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const f = await fresh();
        this.reset();
        if (f) read(f, this);
      },
    });
  gauge(
    'runbook_incidents',
    'Open incidents by state and severity (severity "none" before triage decided).',
    (f, g) => {
      for (const { state, severity, count } of f.byStateSeverity.values()) g.set({ state, severity }, count);
    },
    ['state', 'severity'],
  );
  gauge('runbook_approvals_pending', 'Approval steps waiting for a human, over all open incidents.', (f, g) =>
    g.set(f.pendingApprovals),
  );
  gauge(
    'runbook_approval_oldest_pending_age_seconds',
    'Age of the oldest approval still waiting for a human (0: none).',
    (f, g) => g.set(f.oldestApprovalAgeSeconds),
  );
  gauge(
    'runbook_incident_needs_human_oldest_age_seconds',
    'Time since the engine handed the oldest needs_human incident to a human (0: none).',
    (f, g) => g.set(f.oldestNeedsHumanAgeSeconds),
  );
  gauge(
    'runbook_incidents_stuck',
    'Open incidents whose workflow task Temporal reports failing on every attempt: they cannot go on without an operator.',
    (f, g) => g.set(f.stuck),
  );
  gauge('runbook_incidents_read_timestamp_seconds', 'When the incident figures were last read from Temporal.', (f, g) =>
    g.set(f.at / 1000),
  );
}

function registerTemporalUp(registry: Registry, health: TemporalHealth): void {
  new Gauge({
    name: 'runbook_temporal_up',
    help: 'Whether the console reaches its Temporal frontend (1) or not (0).',
    registers: [registry],
    async collect() {
      this.set((await health.check()) ? 1 : 0);
    },
  });
}

function registerIntakeMetrics(registry: Registry, queue: DeliveryQueue): void {
  const intake = (
    name: string,
    help: string,
    read: (s: ReturnType<DeliveryQueue['snapshot']>) => number,
    type: 'counter' | 'gauge',
  ) => {
    // Counters the queue keeps itself, exposed as what they are: a gauge would hide their resets.
    const Kind = type === 'counter' ? Counter : Gauge;
    new Kind({
      name,
      help,
      registers: [registry],
      collect(this: Counter | Gauge) {
        this.reset();
        const value = read(queue.snapshot());
        if (this instanceof Counter) this.inc(value);
        else this.set(value);
      },
    });
  };
  intake(
    'runbook_intake_alerts_accepted_total',
    'Alerts Temporal recorded (their request was answered 202).',
    (s) => s.delivered,
    'counter',
  );
  intake(
    'runbook_intake_alerts_failed_total',
    'Alerts not recorded: their request was answered 503 or 422.',
    (s) => s.failed,
    'counter',
  );
  intake(
    'runbook_intake_delivery_retries_total',
    'Deliveries to Temporal tried again after a failed try.',
    (s) => s.retried,
    'counter',
  );
  intake('runbook_intake_alerts_queued', 'Alerts waiting for Temporal to record them, now.', (s) => s.queued, 'gauge');
  intake('runbook_intake_queue_limit', 'RUNBOOK_INTAKE_QUEUE_LIMIT.', (s) => s.limit, 'gauge');
}

function registerLiveMetrics(registry: Registry, live: LivePollers): void {
  new Gauge({
    name: 'runbook_console_live_streams',
    help: 'Live-event streams (incident pages) open now.',
    registers: [registry],
    collect() {
      this.set(live.stats().streams);
    },
  });
  new Gauge({
    name: 'runbook_console_live_incidents',
    help: 'Incidents with a live poll loop now (one per incident, whatever the viewers).',
    registers: [registry],
    collect() {
      this.set(live.stats().incidents);
    },
  });
  new Counter({
    name: 'runbook_console_live_polls_total',
    help: 'Polls of incidents for live events: one per interval per watched incident.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(live.stats().polls);
    },
  });
}
