import { describe, expect, it } from 'vitest';
import { HOUR, MIN, outageFor, startUnit, timeSkippingPerTest, unitInput } from './support/time-skipping.ts';

const ctx = timeSkippingPerTest();

const OUTAGE_ENDS_MS = 2 * HOUR + 3 * MIN + 10_000;
const POLL_INITIAL_MS = 30_000;

const sustainedOutage = (mock: { hintWatchUnavailable?: boolean } = {}) =>
  startUnit(
    ctx,
    unitInput({
      policy: { timeoutMs: 5 * MIN, onTimeout: 'auto-approve' },
      service: { ...unitInput().service, settings: { autoApproveP1Fallback: true } },
    }),
    { health: outageFor(OUTAGE_ENDS_MS), ...mock },
  );
const inSecondHour = (e: { elapsedMs: number }) => e.elapsedMs >= HOUR && e.elapsedMs < 2 * HOUR;

describe('waiting for a recovery (time-skipping, production timings)', { retry: 1 }, () => {
  it('real checks back off while they fail, the status page is read every 30 s in between, and a page turned healthy brings a real check within a poll', async () => {
    const run = await sustainedOutage();
    const result = await run.during(() => run.handle.result());
    expect(result).toMatchObject({ state: 'resolved', cause: 'provider_outage' });

    const probes = run.events.flatMap((e) => (e.type === 'probe' ? [e] : []));
    const pageReads = probes.filter((e) => e.probe === 'status_page' && inSecondHour(e));
    const realRounds = new Set(
      probes.filter((e) => e.probe !== 'status_page' && inSecondHour(e)).map((e) => e.elapsedMs),
    );
    // The page, free, every 30 s: 120 reads in the hour. The real rounds, billed, backed off to 5 min.
    expect(pageReads.length).toBeGreaterThanOrEqual(115);
    const gaps = pageReads.slice(1).map((e, i) => e.elapsedMs - pageReads[i]!.elapsedMs);
    // A read comes its interval after the previous one, plus the moments the workflow task in between takes.
    expect(Math.max(...gaps)).toBeLessThanOrEqual(POLL_INITIAL_MS + 1_000);
    expect(realRounds.size).toBeGreaterThanOrEqual(11);
    expect(realRounds.size).toBeLessThanOrEqual(13);

    // The outage ends 3 min 10 s after a whole hour, between two backed-off real checks: the page read
    // that sees it healthy brings the first healthy real check, within one page poll.
    const firstHealthy = probes.find((e) => e.probe !== 'status_page' && e.healthy && e.elapsedMs >= OUTAGE_ENDS_MS)!;
    expect(firstHealthy.elapsedMs - OUTAGE_ENDS_MS).toBeLessThanOrEqual(POLL_INITIAL_MS + 1_000);
    expect(result.timeline.some((e) => e.message.includes('hint status_page: major → none'))).toBe(true);
  });

  it('a worker that cannot watch the page waits for each backed-off real check on a timer, never reading the page alone in the history every 30 s', async () => {
    const run = await sustainedOutage({ hintWatchUnavailable: true });
    const result = await run.during(() => run.handle.result());
    expect(result).toMatchObject({ state: 'resolved', cause: 'provider_outage' });

    // The first run: the hour lies before its continue-as-new.
    const history = await ctx.env.client.workflow
      .getHandle(run.handle.workflowId, run.handle.firstExecutionRunId)
      .fetchHistory();
    const start = Number(history.events![0]!.eventTime!.seconds) * 1000;
    const scheduled = (history.events ?? []).flatMap((e) => {
      const at = Number(e.eventTime!.seconds) * 1000 - start;
      const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
      return name && at >= HOUR && at < 2 * HOUR ? [name] : [];
    });
    expect(scheduled.filter((name) => name === 'runProbes').length).toBeGreaterThanOrEqual(11);
    expect(scheduled.filter((name) => name === 'runProbes').length).toBeLessThanOrEqual(13);
    expect(scheduled.filter((name) => name === 'runProbe')).toEqual([]);
  });
});
