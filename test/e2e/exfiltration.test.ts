import { createServer, type IncomingMessage, type Server } from 'node:http';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import {
  INCIDENT_WORKFLOW_TYPE,
  provideSecretRefSignal,
  statusQuery,
  type IncidentResult,
  type IncidentStart,
} from '../../src/contract/index.ts';
import { runCli } from '../support/cli.ts';
import { API_KEY_ENV, cliEnvironment, startHarness, type Harness } from '../support/incident-harness.ts';
import { TEST_API_KEY } from '../support/simulator.ts';
import { temporalAddress } from '../support/temporal.ts';
import type { IncidentWorkflow } from '../../src/app/incident-workflow.ts';

/** A listener on loopback standing in for an attacker's host: it records whatever reaches it. */
let listener: Server;
let url: string;
const received: Array<{ method?: string; url?: string; headers: IncomingMessage['headers'] }> = [];
let h: Harness;

beforeAll(async () => {
  listener = createServer((req, res) => {
    received.push({ method: req.method, url: req.url, headers: req.headers });
    res.end('{}');
  });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  url = `http://127.0.0.1:${(listener.address() as { port: number }).port}`;
  h = await startHarness({ scenario: 'auth-401' });
});
afterAll(async () => {
  await h?.close();
  listener.close();
});

describe("the worker's credentials go only where its own catalog says", () => {
  it('a start request with a foreign URL or secret reference is refused; the listener receives nothing', async () => {
    // Malformed on purpose: what a caller that ignores the type could send.
    const attempts: unknown[] = [
      { ...h.startRequest(), service: { ...h.input().service, baseUrl: url } },
      { ...h.startRequest(), baseUrl: url },
      { ...h.startRequest(), policy: { approvers: ['mallory'], allowSelfApproval: true } },
      { ...h.startRequest(), apiKeyRef: { kind: 'file', path: '/var/run/secrets/kubernetes.io/serviceaccount/token' } },
      { ...h.startRequest(), service: 'attacker-service' },
    ];
    for (const [i, args] of attempts.entries()) {
      const error = await h.client.workflow
        .execute<IncidentWorkflow>(INCIDENT_WORKFLOW_TYPE, {
          taskQueue: h.taskQueue,
          workflowId: `${h.taskQueue}-exfil-${i}`,
          args: [args as IncidentStart],
        })
        .then(
          () => null,
          (err: unknown) => err,
        );
      expect(error, JSON.stringify(args).slice(0, 120)).toBeInstanceOf(WorkflowFailedError);
      expect(((error as WorkflowFailedError).cause as { type?: string }).type).toMatch(
        /^(InvalidIncidentInput|UnknownService)$/,
      );
    }
    expect(received).toEqual([]);
  });

  it('the CLI refuses a service the catalog does not know, with exit 2, before anything starts', async () => {
    const env = { ...cliEnvironment(h, temporalAddress()), RUNBOOK_SERVICE_BASE_URL: url, [API_KEY_ENV]: TEST_API_KEY };
    const run = await runCli(['start', '--service', 'attacker-service', '--symptom', 'x'], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown service "attacker-service"');
    expect(received).toEqual([]);
  });

  it('a secret reference a human hands over is used only if the catalog allows it: the service-account token is refused', async () => {
    const handle = await h.start({}, `${h.taskQueue}-refs`);
    await h.waitFor(
      handle,
      (s) => s.pendingApprovals.some((a) => a.stepId === 'new-key-reference'),
      'the new key request',
    );
    await handle.signal(provideSecretRefSignal, {
      by: 'bob',
      stepId: 'new-key-reference',
      ref: { kind: 'file', path: '/var/run/secrets/kubernetes.io/serviceaccount/token' },
    });
    const refused = await h.waitFor(
      handle,
      (s) => s.pendingApprovals.some((a) => a.stepId === 'new-key-reference'),
      'still waiting',
    );
    expect(refused.mutations).toEqual([]);
    const result: IncidentResult = await h.approveWhenAsked(handle);
    expect(
      result.timeline.some((e) =>
        e.message.startsWith(
          'Refused the reference from bob (file:/var/run/secrets/kubernetes.io/serviceaccount/token)',
        ),
      ),
    ).toBe(true);
    const applied = result.mutations.find((m) => m.step === 'apply-new-key')!;
    expect(applied.op).toMatchObject({ kind: 'apply-secret', ref: { kind: 'env', name: 'NEW_IDEOGRAM_KEY' } });
    expect((await handle.query(statusQuery).catch(() => null))?.state ?? result.state).toBe('resolved');
  });
});
