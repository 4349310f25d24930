import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { commandLine } from './processes.ts';

export interface PortOwner {
  pid: number;
  command: string[];
}

const TCP_LISTEN = '0A';

/** Socket inodes listening on `port`, from the kernel's TCP tables (Linux only; empty elsewhere). */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      if (!local || fields[3] !== TCP_LISTEN) continue;
      if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port && fields[9]) inodes.add(fields[9]);
    }
  }
  return inodes;
}

/**
 * Best effort: which process listens on `port`. Only processes whose file descriptors we may read
 * (our own user's, or all as root) can be found; `undefined` means "someone we cannot see".
 */
export function findPortOwner(port: number): PortOwner | undefined {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const match = /^socket:\[(\d+)\]$/.exec(target);
      if (match && inodes.has(match[1]!)) return { pid: Number(pid), command: commandLine(Number(pid)) ?? [] };
    }
  }
  return undefined;
}
