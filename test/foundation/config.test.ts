import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, slackApprovalButtons } from '../../src/config/index.ts';
import { defaultBuildId, deploymentNameOf, workerVersionOf } from '../../src/worker/deployment.ts';

describe('configuration', () => {
  it('has working defaults', () => {
    const config = loadConfig({});
    expect(config.RUNBOOK_TASK_QUEUE).toBe('runbook-incidents');
    expect(config.RUNBOOK_UI_PORT).toBe(8233);
    expect(config.RUNBOOK_REMEDIATION_TARGET).toBe('record-only');
  });

  it('parses lists, booleans and secret references', () => {
    const config = loadConfig({
      RUNBOOK_WEBHOOK_URL: 'http://127.0.0.1:1/a, http://127.0.0.1:2/b',
      RUNBOOK_DRY_RUN: 'true',
      RUNBOOK_API_KEY_REF: 'k8s:prod/ideogram-secrets#api-key',
    });
    expect(config.RUNBOOK_WEBHOOK_URL).toEqual(['http://127.0.0.1:1/a', 'http://127.0.0.1:2/b']);
    expect(config.RUNBOOK_DRY_RUN).toBe(true);
    expect(config.RUNBOOK_API_KEY_REF).toEqual({
      kind: 'k8s',
      namespace: 'prod',
      name: 'ideogram-secrets',
      key: 'api-key',
    });
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      loadConfig({ RUNBOOK_DEV_PORT: '99999', RUNBOOK_REMEDIATION_TARGET: 'yolo' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(2);
    expect((error as Error).message).toContain('RUNBOOK_DEV_PORT="99999"');
    expect((error as Error).message).toContain('RUNBOOK_REMEDIATION_TARGET="yolo"');
  });

  it('refuses a secret value where a reference is expected', () => {
    expect(() => loadConfig({ RUNBOOK_API_KEY_REF: 'sk-live-abc123' })).toThrow(/a reference, never the value/);
  });

  it('sizes the worker from RUNBOOK_WORKER_*, refusing values that are not whole numbers', () => {
    expect(
      loadConfig({
        RUNBOOK_WORKER_CACHE: '50',
        RUNBOOK_WORKER_ACTIVITY_SLOTS: '10',
        RUNBOOK_WORKER_WORKFLOW_SLOTS: '4',
      }),
    ).toMatchObject({
      RUNBOOK_WORKER_CACHE: 50,
      RUNBOOK_WORKER_ACTIVITY_SLOTS: 10,
      RUNBOOK_WORKER_WORKFLOW_SLOTS: 4,
    });
    expect(() => loadConfig({ RUNBOOK_WORKER_CACHE: 'lots' })).toThrow(/RUNBOOK_WORKER_CACHE/);
    expect(() => loadConfig({ RUNBOOK_WORKER_WORKFLOW_SLOTS: '1' })).toThrow(/RUNBOOK_WORKER_WORKFLOW_SLOTS/);
  });

  it('reads the Slack user mapping as JSON, refusing what is not one; buttons follow the signing secret unless said', () => {
    const config = loadConfig({
      RUNBOOK_SLACK_USERS: '{"U0123ABCD":"rita","W0456EFGH":" bob "}',
      RUNBOOK_SLACK_SIGNING_SECRET: 'slack-secret-1234',
    });
    expect(config.RUNBOOK_SLACK_USERS).toEqual({ U0123ABCD: 'rita', W0456EFGH: 'bob' });
    expect(slackApprovalButtons(config)).toBe(true);
    expect(slackApprovalButtons(loadConfig({}))).toBe(false);
    expect(slackApprovalButtons(loadConfig({ RUNBOOK_SLACK_APPROVAL_BUTTONS: 'true' }))).toBe(true);
    expect(() => loadConfig({ RUNBOOK_SLACK_USERS: 'U0123ABCD=rita' })).toThrow(
      /RUNBOOK_SLACK_USERS.*a JSON object of Slack user id → person/,
    );
    expect(() => loadConfig({ RUNBOOK_SLACK_USERS: '{"rita":"U0123ABCD"}' })).toThrow(/"rita" is not a Slack user id/);
    expect(() => loadConfig({ RUNBOOK_SLACK_USERS: '{"U0123ABCD":""}' })).toThrow(/RUNBOOK_SLACK_USERS/);
    expect(() => loadConfig({ RUNBOOK_SLACK_USERS: '[]' })).toThrow(/RUNBOOK_SLACK_USERS/);
  });

  it('refuses a RUNBOOK_* variable it does not read, naming the closest one and never the value', () => {
    let error: unknown;
    try {
      loadConfig({ RUNBOOK_REQUIRE_VERIFIED_APPROVAL: '1', RUNBOOK_APROVERS: 'rita', RUNBOOK_ZZZ: 'sk-secret-value' });
    } catch (err) {
      error = err;
    }
    expect((error as ConfigError).exitCode).toBe(2);
    const message = (error as Error).message;
    expect(message).toContain(
      'RUNBOOK_REQUIRE_VERIFIED_APPROVAL: not a variable runbook reads — did you mean RUNBOOK_REQUIRE_VERIFIED_APPROVALS?',
    );
    expect(message).toContain('RUNBOOK_APROVERS: not a variable runbook reads — did you mean RUNBOOK_APPROVERS?');
    expect(message).toContain('RUNBOOK_ZZZ: not a variable runbook reads — unset it');
    expect(message).not.toContain('sk-secret-value');
  });

  it('accepts the RUNBOOK_* variables the tooling reads, empty ones, and per-runbook key references (never echoed)', () => {
    expect(() =>
      loadConfig({ RUNBOOK_SKIP_TOOLS: '1', RUNBOOK_KUBE_KEEP: '1', RUNBOOK_DEBUG: '1', RUNBOOK_TYPO: '' }),
    ).not.toThrow();
    expect(loadConfig({ RUNBOOK_OPENAI_API_KEY_REF: 'env:OPENAI_PROD_KEY' }).RUNBOOK_KEY_REFS).toEqual({
      OPENAI: { kind: 'env', name: 'OPENAI_PROD_KEY' },
    });
    expect(() => loadConfig({ RUNBOOK_OPENAI_API_KEY_REF: 'sk-live-raw999' })).toThrow(
      /RUNBOOK_OPENAI_API_KEY_REF \(value not shown\): .*a reference/,
    );
    expect(() => loadConfig({ RUNBOOK_OPENAI_API_KEY_REF: 'sk-live-raw999' })).not.toThrow(/raw999/);
  });

  it("names the worker's version: the task queue's deployment and a build id of the workflow code, unless configured", () => {
    const bundle = 'workflow code';
    expect(workerVersionOf(loadConfig({}), bundle)).toEqual({
      deploymentName: 'runbook-incidents',
      buildId: defaultBuildId(bundle),
    });
    expect(defaultBuildId(bundle, '1.2.3')).toMatch(/^1\.2\.3-[0-9a-f]{12}$/);
    expect(defaultBuildId(bundle)).toBe(defaultBuildId(bundle));
    expect(defaultBuildId('other workflow code')).not.toBe(defaultBuildId(bundle));
    expect(
      workerVersionOf(loadConfig({ RUNBOOK_DEPLOYMENT_NAME: 'payments-engine', RUNBOOK_BUILD_ID: 'v1.4.0' }), bundle),
    ).toEqual({ deploymentName: 'payments-engine', buildId: 'v1.4.0' });
    // The server refuses '.' and ':' in a deployment name; a task queue may hold them.
    expect(deploymentNameOf(loadConfig({ RUNBOOK_TASK_QUEUE: 'runbook.incidents:eu' }))).toBe('runbook-incidents-eu');
    expect(() => deploymentNameOf(loadConfig({ RUNBOOK_TASK_QUEUE: 'q'.repeat(109) }))).toThrow(
      /RUNBOOK_TASK_QUEUE .* set RUNBOOK_DEPLOYMENT_NAME/,
    );
    expect(loadConfig({ RUNBOOK_MAKE_CURRENT: 'true' }).RUNBOOK_MAKE_CURRENT).toBe(true);
  });

  it('refuses a deployment name or build id the server would refuse, before the worker starts', () => {
    expect(() => loadConfig({ RUNBOOK_DEPLOYMENT_NAME: 'runbook.prod' })).toThrow(
      /RUNBOOK_DEPLOYMENT_NAME="runbook.prod": no '.' or ':'/,
    );
    expect(() => loadConfig({ RUNBOOK_BUILD_ID: '__unversioned__' })).toThrow(
      /RUNBOOK_BUILD_ID="__unversioned__": must not start with '__'/,
    );
    expect(() => loadConfig({ RUNBOOK_BUILD_ID: 'b'.repeat(109) })).toThrow(
      /RUNBOOK_BUILD_ID=.*at most 108 characters/,
    );
    expect(() => loadConfig({ RUNBOOK_MAKE_CURRENT: 'maybe' })).toThrow(/RUNBOOK_MAKE_CURRENT="maybe"/);
  });
});
