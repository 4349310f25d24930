import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { log } from '@temporalio/activity';

export interface PostmortemDeps {
  postmortemDir: string;
}

/** Names tried for one incident's postmortem (`<id>.md`, `<id>.2.md` …) before giving up. */
const NAME_TRIES = 1_000;

/**
 * Puts `markdown` at `path` only if nothing is there (hard link of a complete temporary file: the
 * file appears whole or not at all). True when it is there now: ours, or the same text left by an
 * earlier try of this activity that failed to report back.
 */
async function claim(path: string, temporary: string, markdown: string): Promise<boolean> {
  try {
    await link(temporary, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return (await readFile(path, 'utf8')) === markdown;
  }
}

export function createPostmortemActivities(deps: PostmortemDeps) {
  return {
    /**
     * Writes the rendered postmortem under the incident id, never over another file: an id that
     * a closed incident also had (alert incidents reuse theirs) gets the next free `<id>.<n>.md`.
     * The path returned is the one this incident's result records.
     */
    async writePostmortem(input: { incidentId: string; markdown: string }): Promise<{ path: string }> {
      const safeName = input.incidentId.replace(/[^A-Za-z0-9._-]/g, '_');
      await mkdir(deps.postmortemDir, { recursive: true });
      const temporary = join(deps.postmortemDir, `.${safeName}.${randomUUID()}.tmp`);
      await writeFile(temporary, input.markdown, { encoding: 'utf8', flag: 'wx' });
      try {
        for (let n = 1; n <= NAME_TRIES; n += 1) {
          const path = join(deps.postmortemDir, n === 1 ? `${safeName}.md` : `${safeName}.${n}.md`);
          if (await claim(path, temporary, input.markdown)) {
            log.info('postmortem written', { incidentId: input.incidentId, path });
            return { path };
          }
        }
        throw new Error(`${NAME_TRIES} postmortems named ${safeName} already exist in ${deps.postmortemDir}`);
      } finally {
        await unlink(temporary);
      }
    },
  };
}
