import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rolesFrom } from '../../src/server/identity.ts';
import { ConsoleSession, type OpenStream } from '../support/console-client.ts';
import { startConsoleHarness, startConsoleOn, type ConsoleHarness } from '../support/console-harness.ts';
import { sample, scrape } from '../support/prometheus-text.ts';

/**
 * Many viewers of one incident: the console polls it once per interval whatever their number,
 * a session holds at most RUNBOOK_CONSOLE_STREAMS_PER_SESSION (default 5) streams, and /metrics
 * shows the streams, the polls and the incident figures.
 */
let ch: ConsoleHarness;
const metricsUrl = () => new URL('/metrics', ch.console.url).href;

beforeAll(async () => {
  ch = await startConsoleHarness();
});

afterAll(async () => {
  await ch?.close();
});

async function viewer(name: string): Promise<ConsoleSession> {
  const token = ch.console.loginLinks.issue({
    name,
    roles: rolesFrom('viewer'),
    issuer: 'local-link',
    subject: `${name}@test`,
  });
  const session = new ConsoleSession(ch.console.url);
  expect((await session.signIn(new URL(`/login/${token}`, ch.console.url).href)).status).toBe(302);
  return session;
}

const pollsIn = (text: string) => [...text.matchAll(/^: poll (\d+)$/gm)].map((m) => Number(m[1]));
const lastPoll = (stream: OpenStream) => Math.max(0, ...pollsIn(stream.text()));

/** Scrapes until `name` reads `value`: a stream's end reaches the server a moment after the client hangs up. */
async function metricBecomes(name: string, value: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  let seen: number | null = null;
  while (Date.now() < deadline) {
    seen = sample((await scrape(metricsUrl())).text, name);
    if (seen === value) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${name} stayed ${seen}, expected ${value}`);
}

describe('live events of one incident, watched by many', () => {
  it('polls the incident once per interval for 15 viewers, and refuses a sixth stream in one session with 429', async () => {
    const path = `/incidents/${ch.incident.workflowId}/events`;
    const sessions = [await viewer('carol'), await viewer('dave'), await viewer('erin')];
    const streams: OpenStream[] = [];
    for (const session of sessions) for (let i = 0; i < 5; i++) streams.push(await session.openStream(path));
    try {
      expect(streams.map((s) => s.status)).toEqual(Array(15).fill(200));

      const sixth = await sessions[0]!.openStream(path);
      expect(sixth.status).toBe(429);
      expect(await sixth.until((t) => t.length > 0, 'body')).toMatch(
        /^Too many live views: this session already has 5 live incident pages open/,
      );
      // Another session of the same console is not affected.
      const other = await (await viewer('frank')).openStream(path);
      expect(other.status).toBe(200);
      other.close();

      await Promise.all(streams.map((s) => s.until((t) => pollsIn(t).length > 0, 'first poll')));
      const start = Math.max(...streams.map(lastPoll));
      const before = sample((await scrape(metricsUrl())).text, 'runbook_console_live_polls_total')!;
      await Promise.all(streams.map((s) => s.until((t) => pollsIn(t).includes(start + 3), `poll ${start + 3}`)));
      const after = (await scrape(metricsUrl())).text;
      // One loop: every viewer saw the same numbered polls, and three of them cost three polls, not 45.
      for (const s of streams)
        expect(pollsIn(s.text())).toEqual(expect.arrayContaining([start + 1, start + 2, start + 3]));
      const polls = sample(after, 'runbook_console_live_polls_total')! - before;
      expect(polls).toBeGreaterThanOrEqual(2);
      expect(polls).toBeLessThanOrEqual(4);
      expect(sample(after, 'runbook_console_live_incidents')).toBe(1);
      expect(sample(after, 'runbook_console_live_streams')).toBe(15);

      // A closed stream frees its slot in the session.
      streams.shift()!.close();
      await metricBecomes('runbook_console_live_streams', 14);
      const again = await sessions[0]!.openStream(path);
      expect(again.status).toBe(200);
      streams.push(again);
    } finally {
      for (const s of streams) s.close();
    }
    // The last viewer gone, the loop stops: nothing polls an incident nobody watches.
    await metricBecomes('runbook_console_live_streams', 0);
    await metricBecomes('runbook_console_live_incidents', 0);
  });
});

describe('GET /metrics on the console', () => {
  it('exports incidents by state and severity, approvals waiting, intake counters and Temporal reachability, read from Temporal at most once per refresh', async () => {
    const first = await scrape(metricsUrl());
    expect(first.status).toBe(200);
    // Other test files share the Temporal server: at least this harness's incident, waiting for approval.
    expect(
      sample(first.text, 'runbook_incidents', { state: 'awaiting_approval', severity: 'P1' }),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(first.text, 'runbook_approvals_pending')).toBeGreaterThanOrEqual(1);
    expect(sample(first.text, 'runbook_approval_oldest_pending_age_seconds')).toBeGreaterThan(0);
    expect(sample(first.text, 'runbook_temporal_up')).toBe(1);
    // Counted from visibility's rows (test/app/stuck-incident.test.ts makes one): exported, a count.
    expect(sample(first.text, 'runbook_incidents_stuck')).toBeGreaterThanOrEqual(0);
    expect(sample(first.text, 'runbook_intake_alerts_accepted_total')).toBe(0);
    expect(sample(first.text, 'runbook_intake_alerts_failed_total')).toBe(0);
    expect(sample(first.text, 'runbook_intake_alerts_queued')).toBe(0);
    // A scrape hammer is answered from the last reading (RUNBOOK_METRICS_REFRESH_SECONDS, default 30).
    const readAt = sample(first.text, 'runbook_incidents_read_timestamp_seconds');
    const hammer = await Promise.all(Array.from({ length: 20 }, () => scrape(metricsUrl())));
    for (const s of hammer) expect(sample(s.text, 'runbook_incidents_read_timestamp_seconds')).toBe(readAt);
  });

  it('with RUNBOOK_METRICS_TOKEN, answers only a scraper that sends it', async () => {
    const token = 'metrics-token-0123456789';
    const guarded = await startConsoleOn(ch.h, { env: { RUNBOOK_METRICS_TOKEN: token } });
    try {
      const url = new URL('/metrics', guarded.url).href;
      expect(await scrape(url)).toEqual({ status: 401, text: 'missing Authorization: Bearer header\n' });
      expect(await scrape(url, 'wrong-token-0123456789')).toEqual({ status: 401, text: 'wrong bearer token\n' });
      const ok = await scrape(url, token);
      expect(ok.status).toBe(200);
      expect(sample(ok.text, 'runbook_temporal_up')).toBe(1);
    } finally {
      await guarded.close();
    }
  });
});
