import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { guardWithCatalog, ServiceCatalog } from '../../src/activities/catalog.ts';
import { catalogFromConfig } from '../../src/worker/service-catalog.ts';
import { loadConfig } from '../../src/config/index.ts';
import { ErrorTypes, secretRefAllowed, type CatalogEntry, type MutationRecord, type ProbeResult } from '../../src/contract/index.ts';

const entry: CatalogEntry = {
  name: 'ideogram-service',
  runbook: 'ideogram',
  target: {
    baseUrl: 'https://api.ideogram.ai',
    statusPageUrl: 'https://status.ideogram.ai/api/v2/status.json',
    apiKeyRef: { kind: 'env', name: 'IDEOGRAM_API_KEY' },
    kubernetes: { namespace: 'payments', deployment: 'ideogram-service', secretName: 'ideogram-secrets', secretKey: 'api-key', batchSelector: 'tier=batch' },
  },
  policy: { approvers: ['rita'], required: 1, allowSelfApproval: false, timeoutMs: 60_000, onTimeout: 'escalate', autoApproveP1Fallback: false, dryRun: false },
  allowedSecretRefs: ['env:IDEOGRAM_API_KEY_*', 'k8s:payments/ideogram-next#*'],
};

async function catalogFile(name: string, text: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'catalog-')), name);
  await writeFile(path, text);
  return path;
}

describe('service catalog file', () => {
  it('loads YAML and JSON catalogs', async () => {
    const yaml = await catalogFile('services.yaml', `- name: ideogram-service\n  target:\n    baseUrl: https://api.ideogram.ai\n    apiKeyRef: { kind: env, name: IDEOGRAM_API_KEY }\n    kubernetes: { namespace: payments, deployment: ideogram-service, secretName: s, secretKey: k, batchSelector: a=b }\n`);
    expect(catalogFromConfig(loadConfig({ RUNBOOK_SERVICES_FILE: yaml })).resolve('ideogram-service')).toMatchObject({ runbook: 'ideogram', target: { name: 'ideogram-service', baseUrl: 'https://api.ideogram.ai' } });
    const json = await catalogFile('services.json', JSON.stringify([entry]));
    expect(catalogFromConfig(loadConfig({ RUNBOOK_SERVICES_FILE: json })).names()).toEqual(['ideogram-service']);
  });

  it.each([
    ['an ftp URL', [{ ...entry, target: { ...entry.target, baseUrl: 'ftp://api.ideogram.ai' } }], '$[0].target.baseUrl'],
    ['a service listed twice', [entry, entry], '$[1].name: service "ideogram-service" is listed twice'],
    ['an unknown field', [{ ...entry, webhook: 'x' }], 'Unrecognized key: "webhook"'],
    ['a bad name', [{ ...entry, name: 'Ideogram Service' }], '$[0].name'],
    ['no services', [], 'at least one service'],
    ['an unknown runbook', [{ ...entry, runbook: 'nope' }], 'names runbook "nope", which does not exist'],
  ])('refuses %s with the JSON path (exit 2)', async (_name, value, message) => {
    const path = await catalogFile('services.json', JSON.stringify(value));
    let error: unknown;
    try {
      catalogFromConfig(loadConfig({ RUNBOOK_SERVICES_FILE: path }));
    } catch (err) {
      error = err;
    }
    expect((error as { exitCode?: number }).exitCode).toBe(2);
    expect((error as Error).message).toContain(message);
  });

  it('refuses a file that is not YAML, or missing', async () => {
    expect(() => catalogFromConfig(loadConfig({ RUNBOOK_SERVICES_FILE: '/nonexistent/services.yaml' }))).toThrow(/no such file/);
    const broken = await catalogFile('services.yaml', '- name: [unclosed');
    expect(() => catalogFromConfig(loadConfig({ RUNBOOK_SERVICES_FILE: broken }))).toThrow(/not valid YAML/);
  });
});

describe('the catalog guard', () => {
  const record = (op: MutationRecord['op']) => ({ record: { op } as MutationRecord, dryRun: false, anchor: { namespace: 'payments', deployment: 'ideogram-service' } });
  const calls: string[] = [];
  const inner = {
    runProbe: async (req: { target: { baseUrl: string } }) => {
      calls.push(`probe ${req.target.baseUrl}`);
      return { probe: 'x', ok: true } as ProbeResult;
    },
    applyMutation: async () => {
      calls.push('apply');
      return {} as MutationRecord;
    },
    revertMutation: async () => {
      calls.push('revert');
      return {} as MutationRecord;
    },
  };
  const guarded = guardWithCatalog(new ServiceCatalog([entry]), inner);
  const spec = { kind: 'http' as const, id: 'x', description: 'x', method: 'GET' as const, path: '', timeoutMs: 1_000 };

  it('probes go to the catalog target by name; a foreign target or key reference is refused before anything is sent', async () => {
    await guarded.runProbe({ spec, service: 'ideogram-service' });
    await expect(guarded.runProbe({ spec, target: { baseUrl: 'http://127.0.0.1:9', apiKeyRef: { kind: 'env', name: 'IDEOGRAM_API_KEY' } } })).rejects.toMatchObject({ type: ErrorTypes.ForeignTarget });
    await expect(guarded.runProbe({ spec, service: 'ideogram-service', keyRef: { kind: 'file', path: '/var/run/secrets/token' } })).rejects.toMatchObject({ type: ErrorTypes.SecretRefNotAllowed });
    await expect(guarded.runProbe({ spec, service: 'other' })).rejects.toMatchObject({ type: ErrorTypes.UnknownService });
    expect(calls).toEqual(['probe https://api.ideogram.ai']);
  });

  it('changes stay inside the service objects; a rotated key must come from an allowed reference', async () => {
    calls.length = 0;
    const setEnv = { kind: 'set-env' as const, namespace: 'payments', deployment: 'ideogram-service', name: 'X', value: '1' };
    await guarded.applyMutation({ mutationId: 'i/s', step: 's', op: setEnv, dryRun: false, anchor: record(setEnv).anchor, service: 'ideogram-service' });
    await expect(guarded.applyMutation({ mutationId: 'i/s', step: 's', op: { ...setEnv, deployment: 'billing' }, dryRun: false, anchor: record(setEnv).anchor, service: 'ideogram-service' })).rejects.toMatchObject({ type: ErrorTypes.ForeignTarget });
    const rotate = { kind: 'apply-secret' as const, namespace: 'payments', secretName: 'ideogram-secrets', key: 'api-key', ref: { kind: 'file' as const, path: '/etc/shadow' } };
    await expect(guarded.applyMutation({ mutationId: 'i/k', step: 'k', op: rotate, dryRun: false, anchor: record(setEnv).anchor, service: 'ideogram-service' })).rejects.toMatchObject({ type: ErrorTypes.SecretRefNotAllowed });
    await expect(guarded.revertMutation({ ...record({ ...setEnv, namespace: 'kube-system' }), service: 'ideogram-service' })).rejects.toMatchObject({ type: ErrorTypes.ForeignTarget });
    expect(calls).toEqual(['apply']);
  });

  it('reference patterns match the canonical form only', () => {
    expect(secretRefAllowed({ kind: 'env', name: 'IDEOGRAM_API_KEY_NEXT' }, entry.allowedSecretRefs)).toBe(true);
    expect(secretRefAllowed({ kind: 'k8s', namespace: 'payments', name: 'ideogram-next', key: 'api-key' }, entry.allowedSecretRefs)).toBe(true);
    expect(secretRefAllowed({ kind: 'env', name: 'AWS_SECRET_ACCESS_KEY' }, entry.allowedSecretRefs)).toBe(false);
    expect(secretRefAllowed({ kind: 'k8s', namespace: 'kube-system', name: 'ideogram-next', key: 'x' }, entry.allowedSecretRefs)).toBe(false);
    expect(secretRefAllowed({ kind: 'env', name: 'IDEOGRAM_API_KEY' }, ['env:IDEOGRAM.API.KEY'])).toBe(false);
  });
});

describe('worker start checks its configuration before connecting', () => {
  it('a postmortem directory that is a file, or a bad catalog, stops `runbook worker` with exit 2 and says what to do', async () => {
    const { runCli } = await import('../support/cli.ts');
    const file = await catalogFile('not-a-dir', 'x');
    const dir = await runCli(['worker'], { env: { RUNBOOK_POSTMORTEM_DIR: file, TEMPORAL_ADDRESS: '127.0.0.1:1' } });
    expect(dir.code).toBe(2);
    expect(dir.stderr).toContain(`RUNBOOK_POSTMORTEM_DIR ${file} is not a writable directory`);
    const bad = await catalogFile('services.json', JSON.stringify([{ ...entry, target: { ...entry.target, baseUrl: 'ftp://x' } }]));
    const catalog = await runCli(['worker'], { env: { RUNBOOK_SERVICES_FILE: bad, TEMPORAL_ADDRESS: '127.0.0.1:1' } });
    expect(catalog.code).toBe(2);
    expect(catalog.stderr).toContain('$[0].target.baseUrl');
  });
});
