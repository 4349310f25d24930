import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleWorkflowCode } from '@temporalio/worker';
import { buildWorkflowBundle, bundleIncidentWorkflows, WORKFLOWS_PATH } from '../../src/infra/workflow-bundle.ts';
import { createIncidentWorker } from '../../src/worker/create-worker.ts';
import { activityDepsFromConfig } from '../../src/worker/deps.ts';
import { loadConfig } from '../../src/config/index.ts';
import { continueSignal, type pingWorkflow } from '../fixtures/workflows/ping.ts';
import type { sharedZodWorkflow } from '../fixtures/workflows/shared-zod.ts';
import type { documentSchemaWorkflow } from '../fixtures/workflows/document-schema.ts';
import type { contractSchemaWorkflow } from '../fixtures/workflows/contract-schema.ts';
import { isUnbuiltSchema } from '../../src/contract/lazy-schema.ts';
import { RunbookDocumentSchema } from '../../src/runbooks/documents/schema.ts';
import { anthropicDocument } from '../runbooks/documents/support.ts';
import { connectWorkerConnection, temporalNamespace, uniqueTaskQueue } from '../support/temporal.ts';
import { withBundleWorker } from '../support/bundle-worker.ts';

const dir = await mkdtemp(join(tmpdir(), 'bundle-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('prebuilt workflow bundle (production mode)', () => {
  it('bundles the real incident workflows (the bundler rejects non-deterministic imports)', async () => {
    const { bytes } = await buildWorkflowBundle(WORKFLOWS_PATH, join(dir, 'incident.js'));
    expect(bytes).toBeGreaterThan(10_000);
  });

  it('a worker started from a bundle file runs the bundled code', async () => {
    const fixture = fileURLToPath(new URL('../fixtures/workflows/ping.ts', import.meta.url));
    const { outFile } = await buildWorkflowBundle(fixture, join(dir, 'ping.js'));
    const result = await withBundleWorker({ workflowBundlePath: outFile }, async (client, taskQueue) => {
      const handle = await client.workflow.start<typeof pingWorkflow>('pingWorkflow', {
        taskQueue,
        workflowId: taskQueue,
        args: ['bundle'],
      });
      await handle.signal(continueSignal);
      return handle.result();
    });
    expect(result).toBe('pong bundle');
  });

  it('evaluates zod once per workflow thread, shared by every cached incident, and its schemas still build, parse and refuse inside workflows', async () => {
    const fixture = fileURLToPath(new URL('../fixtures/workflows/shared-zod.ts', import.meta.url));
    const quiet = {
      trace: () => undefined,
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
      log: () => undefined,
    };
    const run = (code: string) =>
      withBundleWorker({ workflowBundleCode: code }, (client, taskQueue) =>
        Promise.all(
          [1, 2].map((n) =>
            client.workflow.execute<typeof sharedZodWorkflow>('sharedZodWorkflow', {
              taskQueue,
              workflowId: `${taskQueue}-${n}`,
            }),
          ),
        ),
      );
    const expected = {
      parsed: { to: 'oncall@example.com', at: '2026-12-03T00:00:00Z', page: 'https://status.example.com' },
      issue: expect.stringMatching(/^to: Invalid email/),
    };
    expect(await run(await bundleIncidentWorkflows({ workflowsPath: fixture, logger: quiet }))).toEqual(
      [1, 2].map(() => ({ shared: true, ...expected })),
    );
    // Without the preload each workflow evaluates its own zod: the control that makes `shared` mean something.
    const unshared = (await bundleWorkflowCode({ workflowsPath: fixture, logger: quiet })).code;
    expect(await run(unshared)).toEqual([1, 2].map(() => ({ shared: false, ...expected })));
  });

  it('builds the runbook document schema in a workflow only when it parses a document, and at once outside one', async () => {
    const fixture = fileURLToPath(new URL('../fixtures/workflows/document-schema.ts', import.meta.url));
    const code = await bundleIncidentWorkflows({ workflowsPath: fixture });
    const [valid, invalid] = await withBundleWorker({ workflowBundleCode: code }, (client, taskQueue) => {
      const parse = (document: unknown, n: number) =>
        client.workflow.execute<typeof documentSchemaWorkflow>('documentSchemaWorkflow', {
          taskQueue,
          workflowId: `${taskQueue}-${n}`,
          args: [document],
        });
      return Promise.all([parse(anthropicDocument(), 1), parse({ ...anthropicDocument(), causes: 5 }, 2)]);
    });
    // Each incident evaluates the schema's modules again: until it parses, nothing is built for it.
    expect(valid).toEqual({ unbuiltBeforeParse: true, unbuiltAfterParse: false, valid: true });
    expect(invalid).toEqual({ unbuiltBeforeParse: true, unbuiltAfterParse: false, valid: false });
    // Outside a workflow it is a plain schema (its JSON Schema is generated from it).
    expect(isUnbuiltSchema(RunbookDocumentSchema)).toBe(false);
  });

  it('evaluates the contract once per workflow thread: a schema one incident built is built for the next, and still parses and refuses', async () => {
    const fixture = fileURLToPath(new URL('../fixtures/workflows/contract-schema.ts', import.meta.url));
    const parseInTurn = (code: string) =>
      withBundleWorker({ workflowBundleCode: code }, async (client, taskQueue) => {
        const parse = (timings: unknown, n: number) =>
          client.workflow.execute<typeof contractSchemaWorkflow>('contractSchemaWorkflow', {
            taskQueue,
            workflowId: `${taskQueue}-${n}`,
            args: [timings],
          });
        return [await parse({}, 1), await parse({ pollInitialMs: -1 }, 2), await parse({ pollInitialMs: 5_000 }, 3)];
      });
    expect(await parseInTurn(await bundleIncidentWorkflows({ workflowsPath: fixture }))).toEqual([
      { unbuiltBeforeParse: true, valid: true, reportsFrozen: true },
      { unbuiltBeforeParse: false, valid: false, reportsFrozen: true },
      { unbuiltBeforeParse: false, valid: true, reportsFrozen: true },
    ]);
    // Without the preload each incident evaluates the contract again: the control that makes the first row mean something.
    const unshared = (await bundleWorkflowCode({ workflowsPath: fixture, preloadModules: [] })).code;
    expect((await parseInTurn(unshared)).map((r) => r.unbuiltBeforeParse)).toEqual([true, true, true]);
  });

  it('refuses a bundle path that does not exist, saying how to build one', async () => {
    const connection = await connectWorkerConnection();
    try {
      await expect(
        createIncidentWorker({
          connection,
          namespace: temporalNamespace(),
          taskQueue: uniqueTaskQueue(),
          deps: activityDepsFromConfig(loadConfig({})),
          workflowBundlePath: join(dir, 'missing.js'),
        }),
      ).rejects.toThrow(/npm run build:workflows/);
    } finally {
      await connection.close();
    }
  });
});
