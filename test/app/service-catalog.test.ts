import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCatalogActivities, guardWithCatalog, ServiceCatalog } from '../../src/activities/catalog.ts';
import { catalogFromConfig } from '../../src/config/service-catalog.ts';
import { loadConfig } from '../../src/config/index.ts';
import type { RunbookDocument } from '../../src/runbooks/documents/schema.ts';
import { settingsOf } from '../../src/runbooks/documents/settings.ts';
import { documentPinOf } from '../../src/runbooks/index.ts';
import {
  describeSecretRef,
  ErrorTypes,
  secretRefAllowed,
  type CatalogEntry,
  type SecretRef,
  type MutationRecord,
  type ProbeResult,
} from '../../src/contract/index.ts';

/** A service's Ideogram settings as its plans read them: the document's defaults, then the catalog's. */
const ideogramSettingsOf = (target: CatalogEntry['target']) =>
  settingsOf(documentPinOf('ideogram')!.document as RunbookDocument, target as Parameters<typeof settingsOf>[1]);

const entry: CatalogEntry = {
  name: 'ideogram-service',
  runbook: 'ideogram',
  target: {
    baseUrl: 'https://api.ideogram.ai',
    statusPageUrl: 'https://status.ideogram.ai/api/v2/status.json',
    apiKeyRef: { kind: 'env', name: 'IDEOGRAM_API_KEY' },
    kubernetes: { namespace: 'payments', deployment: 'ideogram-service' },
    settings: { secretName: 'ideogram-secrets', secretKey: 'api-key', batchSelector: 'tier=batch' },
  },
  policy: {
    approvers: ['rita'],
    required: 1,
    allowSelfApproval: false,
    timeoutMs: 60_000,
    onTimeout: 'escalate',
    dryRun: false,
  },
  allowedSecretRefs: ['env:IDEOGRAM_API_KEY_*', 'k8s:payments/ideogram-next#*'],
};

async function catalogFile(name: string, text: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'catalog-')), name);
  await writeFile(path, text);
  return path;
}

describe('service catalog file', () => {
  it('loads YAML and JSON catalogs', async () => {
    const yaml = await catalogFile(
      'services.yaml',
      `- name: ideogram-service\n  target:\n    baseUrl: https://api.ideogram.ai\n    apiKeyRef: { kind: env, name: IDEOGRAM_API_KEY }\n    kubernetes: { namespace: payments, deployment: ideogram-service }\n    settings: { secretName: s, secretKey: k, batchSelector: a=b }\n`,
    );
    const service = catalogFromConfig(loadConfig({ RUNBOOK_SERVICES_FILE: yaml })).resolve('ideogram-service');
    expect(service).toMatchObject({
      runbook: 'ideogram',
      target: { name: 'ideogram-service', baseUrl: 'https://api.ideogram.ai' },
    });
    expect(ideogramSettingsOf(service.target)).toMatchObject({
      secretName: 's',
      secretKey: 'k',
      batchSelector: 'a=b',
      autoApproveP1Fallback: false,
    });
    const json = await catalogFile('services.json', JSON.stringify([entry]));
    expect(catalogFromConfig(loadConfig({ RUNBOOK_SERVICES_FILE: json })).names()).toEqual(['ideogram-service']);
  });

  it.each([
    [
      'an ftp URL',
      [{ ...entry, target: { ...entry.target, baseUrl: 'ftp://api.ideogram.ai' } }],
      '$[0].target.baseUrl',
    ],
    ['a service listed twice', [entry, entry], '$[1].name: service "ideogram-service" is listed twice'],
    [
      'an unknown field',
      [{ ...entry, webhook: 'x' }],
      '$[0].webhook: unknown key — valid keys here: name, runbook, target,',
    ],
    [
      'a misspelt policy',
      [{ ...entry, policy: { aprovers: ['bob'], requried: 2 } }],
      '$[0].policy.aprovers: unknown key — did you mean approvers?; $[0].policy.requried: unknown key — did you mean required?',
    ],
    [
      'a misspelt target field',
      [{ ...entry, target: { ...entry.target, statusPageURL: 'https://x.example' } }],
      '$[0].target.statusPageURL: unknown key — did you mean statusPageUrl?',
    ],
    [
      'a misspelt Kubernetes field',
      [{ ...entry, target: { ...entry.target, kubernetes: { ...entry.target.kubernetes, namespce: 'x' } } }],
      '$[0].target.kubernetes.namespce: unknown key — did you mean namespace?',
    ],
    [
      'a misspelt key reference field',
      [{ ...entry, target: { ...entry.target, apiKeyRef: { kind: 'env', nmae: 'X' } } }],
      '$[0].target.apiKeyRef.nmae: unknown key — did you mean name?',
    ],
    [
      'a misspelt runbook setting',
      [{ ...entry, target: { ...entry.target, settings: { secretNme: 'x' } } }],
      '$[0].target.settings.secretNme: unknown key — did you mean secretName?',
    ],
    [
      'a runbook setting among the Kubernetes fields',
      [{ ...entry, target: { ...entry.target, kubernetes: { ...entry.target.kubernetes, secretName: 'x' } } }],
      '$[0].target.kubernetes.secretName: a setting of runbook ideogram — write it as target.settings.secretName',
    ],
    [
      'a runbook setting in the policy',
      [{ ...entry, policy: { ...entry.policy, autoApproveP1Fallback: true } }],
      '$[0].policy.autoApproveP1Fallback: a setting of runbook ideogram — write it as target.settings.autoApproveP1Fallback',
    ],
    [
      "another runbook's setting",
      [{ ...entry, runbook: 'openai', policy: { ...entry.policy, autoApproveP1Fallback: true } }],
      '$[0].policy.autoApproveP1Fallback: unknown key — valid keys here: approvers,',
    ],
    [
      'a setting outside settings with a value the runbook refuses',
      [{ ...entry, target: { ...entry.target, kubernetes: { ...entry.target.kubernetes, batchSelector: 7 } } }],
      '$[0].target.kubernetes.batchSelector: unknown key — valid keys here: namespace, deployment, container',
    ],
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
    expect(() => catalogFromConfig(loadConfig({ RUNBOOK_SERVICES_FILE: '/nonexistent/services.yaml' }))).toThrow(
      /no such file/,
    );
    const broken = await catalogFile('services.yaml', '- name: [unclosed');
    expect(() => catalogFromConfig(loadConfig({ RUNBOOK_SERVICES_FILE: broken }))).toThrow(/not valid YAML/);
  });
});

describe('global security switches only tighten a catalog file', () => {
  const resolved = async (policy: object, env: NodeJS.ProcessEnv) => {
    const path = await catalogFile('services.json', JSON.stringify([{ ...entry, policy }]));
    const catalog = catalogFromConfig(loadConfig({ RUNBOOK_SERVICES_FILE: path, ...env }));
    // What the workflow gets: the resolveService activity's answer.
    return (await createCatalogActivities(catalog).resolveService({ name: 'ideogram-service' })).policy;
  };

  it('RUNBOOK_REQUIRE_VERIFIED_APPROVALS and RUNBOOK_DRY_RUN apply to a policy that does not repeat them', async () => {
    expect(
      await resolved({ approvers: ['bob'] }, { RUNBOOK_REQUIRE_VERIFIED_APPROVALS: '1', RUNBOOK_DRY_RUN: 'true' }),
    ).toMatchObject({ approvers: ['bob'], requireVerifiedApprovals: true, dryRun: true });
    expect(
      await resolved(
        { requireVerifiedApprovals: false, dryRun: false },
        { RUNBOOK_REQUIRE_VERIFIED_APPROVALS: 'yes', RUNBOOK_DRY_RUN: '1' },
      ),
    ).toMatchObject({ requireVerifiedApprovals: true, dryRun: true });
  });

  it('a switch turned off globally never loosens the file', async () => {
    expect(
      await resolved(
        { requireVerifiedApprovals: true, dryRun: true },
        { RUNBOOK_REQUIRE_VERIFIED_APPROVALS: 'false', RUNBOOK_DRY_RUN: '0' },
      ),
    ).toMatchObject({ requireVerifiedApprovals: true, dryRun: true });
    const plain = await resolved({}, {});
    expect(plain.dryRun).toBe(false);
    expect(plain.requireVerifiedApprovals).toBeUndefined();
  });
});

describe('variables beside a services file: refused when they would do nothing, tighten-only when they are switches', () => {
  const refused = async (env: NodeJS.ProcessEnv, entries: object[] = [entry]) => {
    const path = await catalogFile('services.json', JSON.stringify(entries));
    try {
      catalogFromConfig(loadConfig({ RUNBOOK_SERVICES_FILE: path, ...env }));
    } catch (err) {
      expect((err as { exitCode?: number }).exitCode).toBe(2);
      return (err as Error).message;
    }
    throw new Error('accepted');
  };
  const resolved = async (entries: object[], env: NodeJS.ProcessEnv, name = 'ideogram-service') => {
    const path = await catalogFile('services.json', JSON.stringify(entries));
    return createCatalogActivities(
      catalogFromConfig(loadConfig({ RUNBOOK_SERVICES_FILE: path, ...env })),
    ).resolveService({ name });
  };

  it.each([
    ['RUNBOOK_SERVICE_BASE_URL', 'https://proxy.example', 'target.baseUrl'],
    ['RUNBOOK_STATUS_PAGE_URL', 'https://status.example/api/v2/status.json', 'target.statusPageUrl'],
    ['RUNBOOK_API_HOST', 'proxy.example', 'target.apiHost'],
    ['RUNBOOK_API_KEY_REF', 'env:OTHER_KEY', 'target.apiKeyRef'],
    ['RUNBOOK_OPENAI_API_KEY_REF', 'env:OTHER_KEY', 'target.apiKeyRef'],
    ['RUNBOOK_K8S_NAMESPACE', 'prod', 'target.kubernetes.namespace'],
    ['RUNBOOK_K8S_DEPLOYMENT', 'api', 'target.kubernetes.deployment'],
    ['RUNBOOK_K8S_CONTAINER', 'app', 'target.kubernetes.container'],
    ['RUNBOOK_K8S_SECRET', 's', 'target.settings.secretName'],
    ['RUNBOOK_K8S_SECRET_KEY', 'k', 'target.settings.secretKey'],
    ['RUNBOOK_BATCH_SELECTOR', 'a=b', 'target.settings.batchSelector'],
    ['RUNBOOK_ALLOWED_SECRET_REFS', 'env:*', 'allowedSecretRefs'],
    ['RUNBOOK_AUTO_APPROVE_P1_FALLBACK', 'true', 'target.settings.autoApproveP1Fallback: true'],
  ])('%s is refused, saying where it goes in the file (exit 2)', async (variable, value, where) => {
    const message = await refused({ [variable]: value });
    expect(message).toContain('describes every service, so these variables would have no effect');
    expect(message).toContain(
      `${variable}${variable === 'RUNBOOK_AUTO_APPROVE_P1_FALLBACK' ? '=true' : ''}: set ${where}`,
    );
    expect(message).not.toContain('OTHER_KEY');
  });

  it("RUNBOOK_APPROVERS restricts: an approver must be in both lists; a file policy without a list takes the variable's", async () => {
    const policy = (approvers: string[], required = 1) => [
      { ...entry, policy: { ...entry.policy, approvers, required } },
    ];
    expect((await resolved(policy(['rita', 'bob']), { RUNBOOK_APPROVERS: 'RITA, sam' })).policy.approvers).toEqual([
      'rita',
    ]);
    expect((await resolved(policy([]), { RUNBOOK_APPROVERS: 'sam,tom' })).policy.approvers).toEqual(['sam', 'tom']);
    // Nobody in common would empty the list, and an empty list means anyone: refused instead.
    expect(await refused({ RUNBOOK_APPROVERS: 'sam' }, policy(['rita', 'bob']))).toContain(
      "RUNBOOK_APPROVERS (sam) and service ideogram-service's policy.approvers (rita, bob) have nobody in common, and it needs 1 approval: an approver must be in both lists",
    );
    expect(await refused({ RUNBOOK_APPROVERS: 'rita,sam' }, policy(['rita', 'bob'], 2))).toContain(
      'have only rita in common, and it needs 2 approvals',
    );
  });

  it('RUNBOOK_AUTO_APPROVE_P1_FALLBACK=false turns P1 auto-approval off for every service whose settings turn it on', async () => {
    const on = [
      { ...entry, target: { ...entry.target, settings: { ...entry.target.settings, autoApproveP1Fallback: true } } },
      {
        ...entry,
        name: 'quiet-service',
        target: { ...entry.target, apiKeyRef: { kind: 'env', name: 'QUIET_KEY' }, settings: undefined },
      },
    ];
    const effective = async (env: NodeJS.ProcessEnv, name: string) =>
      ideogramSettingsOf((await resolved(on, env, name)).target);
    expect(await effective({}, 'ideogram-service')).toMatchObject({
      autoApproveP1Fallback: true,
      batchSelector: 'tier=batch',
    });
    expect((await effective({}, 'quiet-service')).autoApproveP1Fallback).toBe(false);
    // The switch sets the one setting and keeps the others the file gave.
    expect(await effective({ RUNBOOK_AUTO_APPROVE_P1_FALLBACK: 'false' }, 'ideogram-service')).toMatchObject({
      autoApproveP1Fallback: false,
      batchSelector: 'tier=batch',
    });
    expect((await effective({ RUNBOOK_AUTO_APPROVE_P1_FALLBACK: 'no' }, 'quiet-service')).autoApproveP1Fallback).toBe(
      false,
    );
  });
});

describe('services built from variables each carry their own key', () => {
  const keyOf = (env: NodeJS.ProcessEnv, name: string) =>
    catalogFromConfig(loadConfig(env)).resolve(name).target.apiKeyRef;

  it("RUNBOOK_API_KEY_REF is the first runbook's; another runbook keeps its own default or its RUNBOOK_<RUNBOOK>_API_KEY_REF", () => {
    const env = {
      RUNBOOK_API_KEY_REF: 'env:PROD_IDEOGRAM_KEY',
      RUNBOOK_SERVICE_BASE_URL: 'https://ideogram-proxy.example',
    };
    expect(keyOf(env, 'ideogram-service')).toEqual({ kind: 'env', name: 'PROD_IDEOGRAM_KEY' });
    expect(keyOf(env, 'openai-service')).toEqual({ kind: 'env', name: 'OPENAI_API_KEY' });
    // Nor does the first service's host become the other's.
    expect(catalogFromConfig(loadConfig(env)).resolve('openai-service').target.baseUrl).toBe('https://api.openai.com');
    expect(keyOf({ ...env, RUNBOOK_OPENAI_API_KEY_REF: 'file:/run/secrets/openai' }, 'openai-service')).toEqual({
      kind: 'file',
      path: '/run/secrets/openai',
    });
  });

  it('two services on one key reference, or a per-runbook variable for no runbook, stop the worker (exit 2)', () => {
    const refused = (env: NodeJS.ProcessEnv) => {
      try {
        catalogFromConfig(loadConfig(env));
      } catch (err) {
        expect((err as { exitCode?: number }).exitCode).toBe(2);
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refused({ RUNBOOK_API_KEY_REF: 'env:SHARED_KEY', RUNBOOK_OPENAI_API_KEY_REF: 'env:SHARED_KEY' })).toContain(
      'services ideogram-service and openai-service would both send the key at env:SHARED_KEY, each to its own provider — give each runbook its own with RUNBOOK_IDEOGRAM_API_KEY_REF / RUNBOOK_OPENAI_API_KEY_REF',
    );
    expect(refused({ RUNBOOK_OPENAI_API_KEY_REF: 'env:IDEOGRAM_API_KEY' })).toContain(
      'would both send the key at env:IDEOGRAM_API_KEY',
    );
    expect(refused({ RUNBOOK_OPNEAI_API_KEY_REF: 'env:X' })).toContain(
      'RUNBOOK_OPNEAI_API_KEY_REF: no runbook has this variable — did you mean RUNBOOK_OPENAI_API_KEY_REF?',
    );
    expect(refused({ RUNBOOK_API_KEY_REF: 'env:A', RUNBOOK_IDEOGRAM_API_KEY_REF: 'env:B' })).toContain(
      'name different keys for runbook ideogram',
    );
  });

  it("however broad a service's allowed patterns, another service's key never goes to its host", async () => {
    const sent: string[] = [];
    const openai: CatalogEntry = {
      ...entry,
      name: 'openai-service',
      runbook: 'openai',
      target: {
        ...entry.target,
        baseUrl: 'https://api.openai.com',
        apiKeyRef: { kind: 'env', name: 'OPENAI_API_KEY' },
      },
      allowedSecretRefs: ['env:*'],
    };
    const guarded = guardWithCatalog(new ServiceCatalog([entry, openai]), {
      runProbe: async (req: { target: { baseUrl: string; apiKeyRef: SecretRef } }) => {
        sent.push(`${describeSecretRef(req.target.apiKeyRef)} → ${req.target.baseUrl}`);
        return { probe: 'x', ok: true } as ProbeResult;
      },
      applyMutation: async () => ({}) as MutationRecord,
      revertMutation: async () => ({}) as MutationRecord,
    });
    const spec = {
      kind: 'http' as const,
      id: 'x',
      description: 'x',
      method: 'GET' as const,
      path: '',
      timeoutMs: 1_000,
    };
    await expect(
      guarded.runProbe({ spec, service: 'openai-service', keyRef: { kind: 'env', name: 'IDEOGRAM_API_KEY' } }),
    ).rejects.toMatchObject({
      type: ErrorTypes.SecretRefNotAllowed,
      message: expect.stringContaining('is the key of service ideogram-service'),
    });
    await expect(
      guarded.runProbes({
        specs: [spec],
        service: 'openai-service',
        keyRef: { kind: 'env', name: 'IDEOGRAM_API_KEY' },
      }),
    ).rejects.toMatchObject({ type: ErrorTypes.SecretRefNotAllowed });
    await guarded.runProbe({ spec, service: 'openai-service', keyRef: { kind: 'env', name: 'OPENAI_API_KEY_NEXT' } });
    expect(sent).toEqual(['env:OPENAI_API_KEY_NEXT → https://api.openai.com']);
  });
});

describe('the catalog guard', () => {
  const record = (op: MutationRecord['op']) => ({ record: { op } as MutationRecord, dryRun: false });
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

  it('probes go to the catalog target by name; an unknown service or a foreign key reference is refused before anything is sent', async () => {
    await guarded.runProbe({ spec, service: 'ideogram-service' });
    await expect(
      guarded.runProbe({ spec, service: 'ideogram-service', keyRef: { kind: 'file', path: '/var/run/secrets/token' } }),
    ).rejects.toMatchObject({ type: ErrorTypes.SecretRefNotAllowed });
    await expect(guarded.runProbe({ spec, service: 'other' })).rejects.toMatchObject({
      type: ErrorTypes.UnknownService,
    });
    expect(calls).toEqual(['probe https://api.ideogram.ai']);
  });

  it('changes stay inside the service objects; a rotated key must come from an allowed reference', async () => {
    calls.length = 0;
    const setEnv = {
      kind: 'set-env' as const,
      namespace: 'payments',
      deployment: 'ideogram-service',
      name: 'X',
      value: '1',
    };
    await guarded.applyMutation({
      mutationId: 'i/s',
      step: 's',
      op: setEnv,
      dryRun: false,
      service: 'ideogram-service',
    });
    await expect(
      guarded.applyMutation({
        mutationId: 'i/s',
        step: 's',
        op: { ...setEnv, deployment: 'billing' },
        dryRun: false,
        service: 'ideogram-service',
      }),
    ).rejects.toMatchObject({ type: ErrorTypes.ForeignTarget });
    const rotate = {
      kind: 'apply-secret' as const,
      namespace: 'payments',
      secretName: 'ideogram-secrets',
      key: 'api-key',
      ref: { kind: 'file' as const, path: '/etc/shadow' },
    };
    await expect(
      guarded.applyMutation({ mutationId: 'i/k', step: 'k', op: rotate, dryRun: false, service: 'ideogram-service' }),
    ).rejects.toMatchObject({ type: ErrorTypes.SecretRefNotAllowed });
    await expect(
      guarded.revertMutation({ ...record({ ...setEnv, namespace: 'kube-system' }), service: 'ideogram-service' }),
    ).rejects.toMatchObject({ type: ErrorTypes.ForeignTarget });
    expect(calls).toEqual(['apply']);
  });

  it('reference patterns match the canonical form only', () => {
    expect(secretRefAllowed({ kind: 'env', name: 'IDEOGRAM_API_KEY_NEXT' }, entry.allowedSecretRefs)).toBe(true);
    expect(
      secretRefAllowed(
        { kind: 'k8s', namespace: 'payments', name: 'ideogram-next', key: 'api-key' },
        entry.allowedSecretRefs,
      ),
    ).toBe(true);
    expect(secretRefAllowed({ kind: 'env', name: 'AWS_SECRET_ACCESS_KEY' }, entry.allowedSecretRefs)).toBe(false);
    expect(
      secretRefAllowed(
        { kind: 'k8s', namespace: 'kube-system', name: 'ideogram-next', key: 'x' },
        entry.allowedSecretRefs,
      ),
    ).toBe(false);
    expect(secretRefAllowed({ kind: 'env', name: 'IDEOGRAM_API_KEY' }, ['env:IDEOGRAM.API.KEY'])).toBe(false);
  });
});

describe('worker start checks its configuration before connecting', () => {
  it('a postmortem directory that is a file, a bad catalog, or a variable the catalog makes meaningless stops `runbook worker` / `runbook dev` with exit 2 and says what to do', async () => {
    const { runCli } = await import('../support/cli.ts');
    const file = await catalogFile('not-a-dir', 'x');
    const dir = await runCli(['worker'], { env: { RUNBOOK_POSTMORTEM_DIR: file, TEMPORAL_ADDRESS: '127.0.0.1:1' } });
    expect(dir.code).toBe(2);
    expect(dir.stderr).toContain(`RUNBOOK_POSTMORTEM_DIR ${file} is not a writable directory`);
    const bad = await catalogFile(
      'services.json',
      JSON.stringify([{ ...entry, target: { ...entry.target, baseUrl: 'ftp://x' } }]),
    );
    const catalog = await runCli(['worker'], { env: { RUNBOOK_SERVICES_FILE: bad, TEMPORAL_ADDRESS: '127.0.0.1:1' } });
    expect(catalog.code).toBe(2);
    expect(catalog.stderr).toContain('$[0].target.baseUrl');
    const good = await catalogFile('services.json', JSON.stringify([entry]));
    const beside = await runCli(['worker'], {
      env: { RUNBOOK_SERVICES_FILE: good, RUNBOOK_K8S_NAMESPACE: 'prod', TEMPORAL_ADDRESS: '127.0.0.1:1' },
    });
    expect(beside.code).toBe(2);
    expect(beside.stderr).toContain(
      `RUNBOOK_SERVICES_FILE ${good} describes every service, so these variables would have no effect — RUNBOOK_K8S_NAMESPACE: set target.kubernetes.namespace on each service in the file instead`,
    );
    // `runbook dev` checks the same before it starts a server: approvers in neither list would leave nobody.
    const dev = await runCli(['dev', '--no-ui', '--no-console'], {
      env: { RUNBOOK_SERVICES_FILE: good, RUNBOOK_APPROVERS: 'sam', TEMPORAL_ADDRESS: '127.0.0.1:1' },
    });
    expect(dev.code).toBe(2);
    expect(dev.stderr).toContain(
      "RUNBOOK_APPROVERS (sam) and service ideogram-service's policy.approvers (rita) have nobody in common",
    );
  });
});
