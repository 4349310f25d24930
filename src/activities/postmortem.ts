import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { log } from '@temporalio/activity';

export interface PostmortemDeps {
  postmortemDir: string;
}

export function createPostmortemActivities(deps: PostmortemDeps) {
  return {
    /** Writes the rendered postmortem; the same incident always lands in the same file. */
    async writePostmortem(input: { incidentId: string; markdown: string }): Promise<{ path: string }> {
      const safeName = input.incidentId.replace(/[^A-Za-z0-9._-]/g, '_');
      await mkdir(deps.postmortemDir, { recursive: true });
      const path = join(deps.postmortemDir, `${safeName}.md`);
      await writeFile(path, input.markdown, 'utf8');
      log.info('postmortem written', { incidentId: input.incidentId, path });
      return { path };
    },
  };
}
