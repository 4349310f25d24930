import { mkdir, mkdtemp, realpath, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCatalogActivities, guardWithCatalog, ServiceCatalog } from '../../src/activities/catalog.ts';
import {
  ErrorTypes,
  normalisedSecretPath,
  parseSecretRef,
  SECRET_REF_MAX,
  secretRefAllowed,
  SecretRefSchema,
  type CatalogEntry,
  type MutationRecord,
} from '../../src/contract/index.ts';

const segment = fc.constantFrom('allowed', 'dir', 'elsewhere', 'token', '..', '.', '', 'x');
const path = fc.array(segment, { maxLength: 8 }).map((parts) => `/${parts.join('/')}`);

describe('secret references are normalised paths', () => {
  it('`..` does not escape an allowed directory: the reported reference is refused', () => {
    expect(secretRefAllowed({ kind: 'file', path: '/allowed/dir/../elsewhere/token' }, ['file:/allowed/dir/*'])).toBe(
      false,
    );
    expect(secretRefAllowed({ kind: 'file', path: '/allowed//dir/./token' }, ['file:/allowed/dir/*'])).toBe(true);
    expect(secretRefAllowed({ kind: 'file', path: 'allowed/dir/token' }, ['file:*'])).toBe(false);
  });

  it('a file reference matches exactly when the path the file system would open matches (property)', () => {
    fc.assert(
      fc.property(path, (p) => {
        expect(normalisedSecretPath(p)).toBe(posix.resolve(p));
        expect(secretRefAllowed({ kind: 'file', path: p }, ['file:/allowed/dir/*'])).toBe(
          posix.resolve(p).startsWith('/allowed/dir/'),
        );
      }),
    );
  });

  it('references are at most 512 characters: the contract, the CLI parser and the matcher refuse longer ones', () => {
    const long = `/allowed/dir/${'x'.repeat(100_000)}`;
    expect(() => parseSecretRef(`file:${long}`)).toThrow(
      `a secret reference of at most ${SECRET_REF_MAX} characters (this one has 100018)`,
    );
    const parsed = SecretRefSchema.safeParse({ kind: 'file', path: long });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.message)).toContain(`a path of at most ${SECRET_REF_MAX} characters`);
    // Three parts within their own limit, too long together.
    expect(
      SecretRefSchema.safeParse({
        kind: 'k8s',
        namespace: 'n'.repeat(200),
        name: 'a'.repeat(200),
        key: 'k'.repeat(200),
      }).success,
    ).toBe(false);
    expect(secretRefAllowed({ kind: 'file', path: long }, ['file:/allowed/dir/*'])).toBe(false);
    expect(
      SecretRefSchema.safeParse({ kind: 'file', path: `/allowed/${'x'.repeat(SECRET_REF_MAX - 14)}` }).success,
    ).toBe(true);
  });

  it('the CLI form refuses a relative file and a Kubernetes path with more than one namespace', () => {
    expect(() => parseSecretRef('file:run/secrets/key')).toThrow('a file reference with an absolute path');
    expect(() => parseSecretRef('k8s:payments/../kube-system/token#key')).toThrow('one "/" at most');
    expect(parseSecretRef('k8s:payments/next#key')).toEqual({
      kind: 'k8s',
      namespace: 'payments',
      name: 'next',
      key: 'key',
    });
  });
});

describe('file references are checked with their symlinks resolved (the activity)', () => {
  async function setup() {
    const root = await realpath(await mkdtemp(join(tmpdir(), 'secret-ref-')));
    await mkdir(join(root, 'allowed'));
    await mkdir(join(root, 'elsewhere'));
    await writeFile(join(root, 'allowed', 'token'), 'sk-inside');
    await writeFile(join(root, 'elsewhere', 'token'), 'sk-outside');
    await symlink(join(root, 'elsewhere', 'token'), join(root, 'allowed', 'link'));
    const entry: CatalogEntry = {
      name: 'svc',
      runbook: 'ideogram',
      target: {
        baseUrl: 'https://api.example',
        apiKeyRef: { kind: 'env', name: 'KEY' },
        kubernetes: { namespace: 'payments', deployment: 'svc' },
        settings: { secretName: 'svc-secrets', secretKey: 'api-key', batchSelector: 'tier=batch' },
      },
      policy: {
        approvers: [],
        required: 1,
        allowSelfApproval: false,
        timeoutMs: 60_000,
        onTimeout: 'escalate',
        dryRun: false,
      },
      allowedSecretRefs: [`file:${root}/allowed/*`],
    };
    return { root, catalog: new ServiceCatalog([entry]) };
  }

  it('a link inside the allowed directory to a file outside it is refused; the file itself is allowed', async () => {
    const { root, catalog } = await setup();
    const { checkSecretRef } = createCatalogActivities(catalog);
    expect(await checkSecretRef({ service: 'svc', ref: { kind: 'file', path: `${root}/allowed/token` } })).toEqual({
      allowed: true,
    });
    const linked = await checkSecretRef({ service: 'svc', ref: { kind: 'file', path: `${root}/allowed/link` } });
    expect(linked.allowed).toBe(false);
    expect(linked.reason).toContain(`(it resolves to ${root}/elsewhere/token)`);
    const escaped = await checkSecretRef({
      service: 'svc',
      ref: { kind: 'file', path: `${root}/allowed/../elsewhere/token` },
    });
    expect(escaped).toMatchObject({ allowed: false });
    const missing = await checkSecretRef({ service: 'svc', ref: { kind: 'file', path: `${root}/allowed/not-yet` } });
    expect(missing.reason).toContain('cannot be resolved on this worker: ENOENT');
  });

  it('the secret change re-checks the link where the file is read, so nothing outside reaches the cluster', async () => {
    const { root, catalog } = await setup();
    const applied: string[] = [];
    const inner = {
      runProbe: async () => ({}) as never,
      applyMutation: async () => (applied.push('apply'), {} as MutationRecord),
      revertMutation: async () => ({}) as MutationRecord,
    };
    const guarded = guardWithCatalog(catalog, inner);
    const op = {
      kind: 'apply-secret' as const,
      namespace: 'payments',
      secretName: 'svc-secrets',
      key: 'api-key',
      ref: { kind: 'file' as const, path: `${root}/allowed/link` },
    };
    await expect(
      guarded.applyMutation({ mutationId: 'i/k', step: 'k', op, dryRun: false, service: 'svc' }),
    ).rejects.toMatchObject({ type: ErrorTypes.SecretRefNotAllowed });
    expect(applied).toEqual([]);
  });
});
