import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

/** What a running `runbook dev` leaves in its data dir so the next start can tell who holds it. */
export const DevPidfileSchema = z.object({
  /** The Temporal server process. */
  serverPid: z.number().int().positive(),
  /** The watchdog between `runbook dev` and the server (kills the server when its parent dies). */
  watchdogPid: z.number().int().positive(),
  /** The `runbook dev` process that owns the server. */
  ownerPid: z.number().int().positive(),
  port: z.number().int(),
  uiPort: z.number().int().nullable(),
  dbFile: z.string(),
  startedAt: z.string(),
});
export type DevPidfile = z.infer<typeof DevPidfileSchema>;

export const PIDFILE_NAME = 'temporal-server.pid';

/** `undefined` when absent; an unreadable or malformed file is also `undefined` (it names nobody). */
export function readPidfile(path: string): DevPidfile | undefined {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = DevPidfileSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function writePidfile(path: string, content: DevPidfile): void {
  // Write-then-rename: a reader never sees half a file, even if we are killed mid-write.
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(content)}\n`);
  renameSync(tmp, path);
}

/** Removes the pidfile only if it still describes `serverPid`, so a newer owner's file survives. */
export function removePidfile(path: string, serverPid?: number): void {
  if (serverPid !== undefined && readPidfile(path)?.serverPid !== serverPid) return;
  rmSync(path, { force: true });
}
