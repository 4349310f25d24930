import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/infra/temporal-binary.ts';

/** The README and every page under docs/, with each relative link (markdown links and images) they hold. */
function pages(): Array<{ file: string; links: string[] }> {
  const files = [
    'README.md',
    ...readdirSync(join(PROJECT_ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => join('docs', f)),
  ];
  return files.map((file) => {
    const text = readFileSync(join(PROJECT_ROOT, file), 'utf8');
    const links = [...text.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)]
      .map((m) => m[1]!)
      .filter((l) => !/^[a-z]+:/.test(l));
    return { file, links };
  });
}

describe('the README and docs/', () => {
  it('link only to files that exist, and the README links every docs page', () => {
    const all = pages();
    for (const { file, links } of all) {
      for (const link of links)
        expect(existsSync(join(PROJECT_ROOT, dirname(file), link)), `${file} links ${link}`).toBe(true);
    }
    const readmeLinks = new Set(all.find((p) => p.file === 'README.md')!.links);
    for (const { file } of all.filter((p) => p.file !== 'README.md'))
      expect(readmeLinks.has(file), `README links ${file}`).toBe(true);
  });

  it('keep the README to one screen of reference: what it is, a picture, the two commands, the architecture, links', () => {
    const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('npm install && npx runbook drill outage-500 --auto-approve');
    expect(readme).toContain('npm install && npm test');
    expect(readme.match(/^## .*/gm)).toEqual(['## The two commands', '## Architecture', '## Reference']);
  });
});
