import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/infra/temporal-binary.ts';

// A file that does not exist on disk: linted as if it lived at that path, under the project's real config.
const eslint = new ESLint({
  cwd: PROJECT_ROOT,
  overrideConfig: {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['src/*/lint-probe*.ts', 'src/*/*/lint-probe*.ts'] } },
    },
  },
});

async function lint(path: string, code: string) {
  const [result] = await eslint.lintText(code, { filePath: join(PROJECT_ROOT, path) });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('ESLint guards the workflow sandbox', () => {
  it.each([
    ["import { readFileSync } from 'node:fs';", /Workflow code is deterministic/],
    ["import { request } from 'undici';", /I\/O libraries belong in activities/],
    ["import pino from 'pino';", /I\/O libraries belong in activities/],
    ["import { KubeConfig } from '@kubernetes/client-node';", /I\/O libraries belong in activities/],
    ["import { createActivities } from '../activities/index.ts';", /only import activity \*types\*/],
  ])('rejects `%s` in src/workflows', async (line, expected) => {
    const messages = await lint('src/workflows/lint-probe.ts', `${line}\nexport const x = 1;\n`);
    expect(messages.join('\n')).toMatch(expected);
    expect(messages.some((m) => m.startsWith('@typescript-eslint/no-restricted-imports'))).toBe(true);
  });

  it('refuses patched() and deprecatePatch() outside the patch registry', async () => {
    const messages = await lint(
      'src/workflows/lint-probe.ts',
      "import { deprecatePatch, patched } from '@temporalio/workflow';\nexport const p = [patched, deprecatePatch];\n",
    );
    expect(messages.filter((m) => m.includes('Patches are named in src/workflows/patches.ts'))).toHaveLength(2);
  });

  it("lets the patch registry reach the SDK's patching, under the sandbox's other rules", async () => {
    const messages = await lint(
      'src/workflows/patches.ts',
      "import { deprecatePatch, patched } from '@temporalio/workflow';\nimport { readFileSync } from 'node:fs';\nexport const p = [patched, deprecatePatch, readFileSync];\n",
    );
    expect(messages.join('\n')).not.toContain('Patches are named');
    expect(messages.join('\n')).toMatch(/Workflow code is deterministic/);
  });

  it('allows type-only activity imports and the workflow SDK', async () => {
    const messages = await lint(
      'src/workflows/lint-probe-ok.ts',
      "import type { Activities } from '../activities/index.ts';\nimport { sleep } from '@temporalio/workflow';\nexport type A = Activities;\nexport const s = sleep;\n",
    );
    expect(messages).toEqual([]);
  });

  it('allows the same imports outside workflow code', async () => {
    const messages = await lint(
      'src/activities/lint-probe.ts',
      "import { request } from 'undici';\nexport const r = request;\n",
    );
    expect(messages).toEqual([]);
  });

  it.each(['z.string().email()', 'z.iso.date()', 'z.string().uuid().or(z.string().ipv4())'])(
    'refuses %s in workflow code: zod is shared and frozen there, and these formats use its own regexes',
    async (schema) => {
      const messages = await lint(
        'src/workflows/lint-probe.ts',
        `import { z } from 'zod';\nexport const s = ${schema};\n`,
      );
      expect(messages.join('\n')).toMatch(/zod is shared and frozen in workflows/);
    },
  );

  it('allows zod formats outside workflow code, and .regex() in it', async () => {
    expect(
      await lint('src/activities/lint-probe.ts', "import { z } from 'zod';\nexport const s = z.string().email();\n"),
    ).toEqual([]);
    expect(
      await lint(
        'src/contract/lint-probe.ts',
        "import { z } from 'zod';\nexport const s = z.string().regex(/^[^@]+@[^@]+$/).or(z.iso.datetime());\n",
      ),
    ).toEqual([]);
  });

  it('flags floating promises', async () => {
    const messages = await lint(
      'src/activities/lint-probe-float.ts',
      'async function f() { return 1; }\nexport function g() { f(); }\n',
    );
    expect(messages.join('\n')).toMatch(/no-floating-promises/);
  });
});

describe('ESLint keeps the Temporal boundaries typed', () => {
  it('rejects a signal, query or update sent by name', async () => {
    for (const call of ["h.signal('approve', {})", 'h.query(`status`)', "h.executeUpdate('decide', { args: [] })"]) {
      const messages = await lint(
        'src/app/lint-probe.ts',
        `declare const h: { signal(...a: unknown[]): void; query(...a: unknown[]): void; executeUpdate(...a: unknown[]): void };\nexport const r = () => ${call};\n`,
      );
      expect(messages.join('\n')).toMatch(/through their definitions in src\/contract/);
    }
  });

  it('rejects an untyped start of the incident workflow and accepts a typed one', async () => {
    const code = (typeArgs: string) =>
      `import type { Client } from '@temporalio/client';\nimport { INCIDENT_WORKFLOW_TYPE } from '../contract/index.ts';\nimport type { IncidentWorkflow } from './incident-workflow.ts';\nexport type W = IncidentWorkflow;\nexport const s = (c: Client) => c.workflow.start${typeArgs}(INCIDENT_WORKFLOW_TYPE, { taskQueue: 'q', workflowId: 'w', args: [] as never });\n`;
    expect((await lint('src/app/lint-probe.ts', code(''))).join('\n')).toMatch(/Start the incident workflow typed/);
    expect(await lint('src/app/lint-probe-ok.ts', code('<IncidentWorkflow>'))).toEqual([]);
  });

  it('lets clients import workflow code as types only', async () => {
    expect(
      (
        await lint(
          'src/app/lint-probe.ts',
          "import { incidentWorkflow } from '../workflows/index.ts';\nexport const w = incidentWorkflow;\n",
        )
      ).join('\n'),
    ).toMatch(/import type/);
    expect(
      await lint(
        'src/app/lint-probe-ok.ts',
        "import type { incidentWorkflow } from '../workflows/index.ts';\nexport type W = typeof incidentWorkflow;\n",
      ),
    ).toEqual([]);
  });
});
