import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PROJECT_ROOT } from '../../src/infra/temporal-binary.ts';
import { isPatched, PATCHES } from '../../src/workflows/patches.ts';

const PatchSchema = z.strictObject({
  change: z.string().min(20, 'say what changed and why it had to reach running incidents'),
  stage: z.enum(['patched', 'deprecated']),
  retireWhen: z.string().min(20, 'say what an operator checks before the next stage'),
});

describe('the patch registry (src/workflows/patches.ts)', () => {
  it('names every patch with its change, its stage and the condition that retires it', () => {
    for (const [id, patch] of Object.entries(PATCHES)) {
      expect(id, 'patch ids are kebab-case').toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(PatchSchema.safeParse(patch).error?.issues ?? [], id).toEqual([]);
    }
  });

  it('refuses, at compile time, a patch id it does not name (npm run typecheck checks the line below)', () => {
    const unregistered = () =>
      // @ts-expect-error an id outside the registry
      isPatched('some-unregistered-change');
    expect(unregistered).toBeTypeOf('function');
  });

  it('is the registry the upgrade procedure points at', () => {
    const doc = readFileSync(join(PROJECT_ROOT, 'docs/upgrades.md'), 'utf8');
    expect(doc).toContain('src/workflows/patches.ts');
    for (const step of ['isPatched', 'deprecatedPatch', 'retireWhen']) expect(doc).toContain(step);
  });
});
