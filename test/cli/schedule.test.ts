import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScheduleNotFoundError } from '@temporalio/client';
import type { ScheduleRow } from '../../src/app/schedules.ts';
import { runCli } from '../support/cli.ts';
import { cliEnvironment, startHarness, type Harness } from '../support/incident-harness.ts';
import { temporalAddress } from '../support/temporal.ts';
import { triggerRun, until } from '../schedules/support.ts';

let h: Harness;
let env: NodeJS.ProcessEnv;
const id = `synthetic-cli-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  h = await startHarness({ scenario: 'healthy' });
  env = cliEnvironment(h, temporalAddress());
});

afterAll(async () => {
  await h.client.schedule
    .getHandle(id)
    .delete()
    .catch(() => undefined);
  await h.close();
});

const cli = (args: string[]) => runCli(['schedule', ...args], { env });

async function exists(scheduleId: string): Promise<boolean> {
  try {
    await h.client.schedule.getHandle(scheduleId).describe();
    return true;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return false;
    throw err;
  }
}

/** `schedule list --json`, polled: a new schedule reaches the listing through visibility. */
async function listed(
  predicate: (row: ScheduleRow | undefined) => boolean,
  what: string,
): Promise<ScheduleRow | undefined> {
  const rows = await until(
    async () => {
      const run = await cli(['list', '--json']);
      expect(run.code, run.stderr).toBe(0);
      return JSON.parse(run.stdout) as ScheduleRow[];
    },
    (rows) => predicate(rows.find((r) => r.scheduleId === id)),
    what,
  );
  return rows.find((r) => r.scheduleId === id);
}

describe('runbook schedule (real processes)', () => {
  it('refuses bad input with exit 2 and creates nothing', async () => {
    const bad: Array<[string[], string]> = [
      [['--runbook', 'nope', '--every', '5m'], 'unknown runbook "nope"'],
      [['--service', 'no-such-service', '--every', '5m'], 'unknown service "no-such-service"'],
      [['--every', '5x'], 'invalid interval "5x"'],
      [['--every', '30s'], 'invalid interval "30s"'],
      [[], '--every: required'],
      [['--every', '5m', '--billed-per-day', '-1'], '--billed-per-day: at least 0'],
    ];
    for (const [args, message] of bad) {
      const badId = `synthetic-bad-${randomUUID().slice(0, 8)}`;
      const run = await cli(['create', '--id', badId, ...args]);
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toContain(message);
      expect(await exists(badId)).toBe(false);
    }
    const badId = await cli(['create', '--id', 'has space', '--every', '5m']);
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain('--id');
    for (const verb of ['pause', 'delete']) {
      const unknown = await cli([verb, 'synthetic-none']);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('no schedule synthetic-none');
    }
    expect((await cli(['pause'])).code).toBe(2);
    // Each `runbook` process takes seconds on a loaded machine.
  }, 240_000);

  it('create, list, pause, unpause, last result, delete', async () => {
    const created = await cli(['create', '--id', id, '--every', '24h', '--billed-per-day', '12']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain(
      `Created schedule ${id}: ideogram triage of ideogram-service every 24h, 12 billed calls a day.`,
    );
    expect(created.stdout).toContain('Temporal Web UI Schedules page');
    const duplicate = await cli(['create', '--id', id, '--every', '5m']);
    expect(duplicate.code).toBe(2);
    expect(duplicate.stderr).toContain(`schedule ${id} already exists`);
    // The duplicate changed nothing: still every 24 h with 12 billed calls.
    expect((await h.client.schedule.getHandle(id).describe()).memo).toMatchObject({ every: '24h', billedPerDay: 12 });

    const row = await listed((r) => r !== undefined, 'the new schedule in the list');
    expect(row).toMatchObject({
      runbook: 'ideogram',
      service: 'ideogram-service',
      every: '24h',
      billedPerDay: 12,
      paused: false,
      lastResult: null,
      lastRunAt: null,
    });
    expect(row!.nextRunAt).not.toBeNull();
    const text = await cli(['list']);
    expect(text.stdout).toMatch(/SCHEDULE\s+RUNBOOK\s+SERVICE\s+EVERY\s+PAUSED\s+LAST RESULT\s+NEXT RUN/);
    expect(text.stdout).toContain(id);

    const paused = await cli(['pause', id]);
    expect(paused.code, paused.stderr).toBe(0);
    expect(paused.stdout).toContain(`Paused ${id}`);
    expect(await listed((r) => r?.paused === true, 'paused')).toMatchObject({ paused: true, nextRunAt: null });
    expect((await h.client.schedule.getHandle(id).describe()).state.note).toContain('paused by alice');
    expect((await cli(['unpause', id])).code).toBe(0);
    expect((await listed((r) => r?.paused === false, 'unpaused'))!.nextRunAt).not.toBeNull();

    const run = await triggerRun(h.client, id);
    expect(run.result.outcome).toBe('healthy');
    expect((await listed((r) => r?.lastResult === 'healthy', 'the last result'))!.lastRunAt).not.toBeNull();

    const deleted = await cli(['delete', id]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(await exists(id)).toBe(false);
    expect((await cli(['delete', id])).code).toBe(2);
  }, 300_000);
});
