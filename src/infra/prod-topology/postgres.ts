import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSupervised, type SupervisedProcess } from '../supervised.ts';
import { PERSISTENCE } from './settings.ts';

export class PostgresNotInstalledError extends Error {
  constructor() {
    super(
      'PostgreSQL server binaries (initdb, postgres) not found on PATH or in /usr/lib/postgresql/*/bin: install them with `apt-get install postgresql`',
    );
    this.name = 'PostgresNotInstalledError';
  }
}

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
  pgIsReady: string;
}

export function findPostgres(): PostgresBinaries | null {
  const dirs = (process.env.PATH ?? '').split(':').filter(Boolean);
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    for (const version of readdirSync(debian).sort((a, b) => Number(b) - Number(a)))
      dirs.push(join(debian, version, 'bin'));
  }
  for (const dir of dirs) {
    const initdb = join(dir, 'initdb');
    const postgres = join(dir, 'postgres');
    const pgIsReady = join(dir, 'pg_isready');
    if (existsSync(initdb) && existsSync(postgres) && existsSync(pgIsReady)) return { initdb, postgres, pgIsReady };
  }
  return null;
}

/** PostgreSQL refuses to run as root: when we are root, it runs as the `postgres` system user. */
function runAs(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  const gid = id('-g');
  if (!Number.isInteger(uid) || uid <= 0)
    throw new Error(
      'running as root, and there is no `postgres` user to run PostgreSQL as: create one (apt-get install postgresql does) or run as a normal user',
    );
  return { uid, gid };
}

export interface RunningPostgres {
  host: string;
  port: number;
  process: SupervisedProcess;
  stop(): Promise<void>;
}

/** A private PostgreSQL cluster in `dataDir` (created on first use) listening on loopback only. */
export async function startPostgres(options: {
  dataDir: string;
  port: number;
  onOutput?: (line: string) => void;
}): Promise<RunningPostgres> {
  const binaries = findPostgres();
  if (!binaries) throw new PostgresNotInstalledError();
  const user = runAs();
  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) initialise(binaries, options.dataDir, user);
  const process = await startSupervised({
    name: 'postgres',
    binary: binaries.postgres,
    // No Unix socket: the cluster is reached over loopback TCP only, like a networked database.
    args: [
      '-D',
      options.dataDir,
      '-p',
      String(options.port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=300',
    ],
    ...user,
    graceMs: 15_000,
    onOutput: options.onOutput,
  });
  try {
    await waitUntilAccepting(binaries, options.port, 60_000, process);
  } catch (err) {
    await process.stop();
    throw err;
  }
  return { host: '127.0.0.1', port: options.port, process, stop: () => process.stop() };
}

function initialise(binaries: PostgresBinaries, dataDir: string, user: { uid?: number; gid?: number }): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const pwfile = join(dataDir, '..', `.pwfile-${Date.now()}`);
  writeFileSync(pwfile, `${PERSISTENCE.password}\n`, { mode: 0o600 });
  try {
    if (user.uid !== undefined) {
      chownSync(dataDir, user.uid, user.gid!);
      chownSync(pwfile, user.uid, user.gid!);
    }
    const result = spawnSync(
      binaries.initdb,
      ['-D', dataDir, '-U', PERSISTENCE.user, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C'],
      { encoding: 'utf8', ...user },
    );
    if (result.status !== 0) {
      const output = (result.stderr || result.stdout || String(result.error)).trim();
      const hint =
        user.uid !== undefined && /permission denied/i.test(output)
          ? ` — PostgreSQL runs as the postgres user here: every directory above ${dataDir} must be traversable by it (chmod o+x)`
          : '';
      throw new Error(`initdb failed for ${dataDir}: ${output}${hint}`);
    }
  } finally {
    rmSync(pwfile, { force: true });
  }
}

/** Until it answers queries (a TCP connect succeeds while it still says "starting up"). */
async function waitUntilAccepting(
  binaries: PostgresBinaries,
  port: number,
  timeoutMs: number,
  owner: SupervisedProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const ready = () =>
    spawnSync(binaries.pgIsReady, ['-h', '127.0.0.1', '-p', String(port), '-U', PERSISTENCE.user, '-t', '2']).status ===
    0;
  while (!ready()) {
    if (!owner.running())
      throw new Error(`postgres exited before it accepted connections on 127.0.0.1:${port}:\n${owner.recentOutput()}`);
    if (Date.now() > deadline)
      throw new Error(`postgres did not accept connections on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
