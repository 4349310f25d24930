import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { isSecretConfigError, resolveSecret } from '../../src/activities/secrets.ts';
import { ErrorTypes } from '../../src/contract/index.ts';

const KEY = 'sk-test-7f3a9c1e';
const fromEnv = (value: string | undefined) =>
  resolveSecret({ kind: 'env', name: 'IDEOGRAM_API_KEY' }, { env: { IDEOGRAM_API_KEY: value } });

async function failure(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('resolveSecret validates what a reference points at', () => {
  it('returns a clean key', async () => {
    expect(await fromEnv(KEY)).toBe(KEY);
  });

  it.each([
    ['a trailing newline', `${KEY}\n`],
    ['a trailing CRLF', `${KEY}\r\n`],
    ['a leading space', ` ${KEY}`],
    ['an inner space', 'sk-test 7f3a'],
    ['a tab', `${KEY}\t`],
    ['ESC', `${KEY}\u001b`],
    ['NUL', `${KEY}\u0000`],
    ['a C1 control', `${KEY}\u0085`],
    ['a non-breaking space', `${KEY}\u00a0`],
  ])('a key with %s is a configuration error naming the reference, never the value', async (_what, value) => {
    const err = await failure(fromEnv(value));
    expect(err.type).toBe(ErrorTypes.SecretInvalid);
    expect(err.nonRetryable).toBe(true);
    expect(isSecretConfigError(err)).toBe(true);
    expect(err.message).toContain('env:IDEOGRAM_API_KEY contains whitespace or control characters');
    expect(err.message).not.toContain('7f3a');
  });

  it('keeps SecretNotFound for a missing or empty value', async () => {
    for (const value of [undefined, '']) {
      const err = await failure(fromEnv(value));
      expect(err.type).toBe(ErrorTypes.SecretNotFound);
      expect(isSecretConfigError(err)).toBe(true);
    }
  });

  it('a file with one trailing newline is fine (editors add it); anything more is not', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'secret-'));
    await writeFile(join(dir, 'ok'), `${KEY}\n`);
    await writeFile(join(dir, 'bad'), `${KEY}\n\n`);
    expect(await resolveSecret({ kind: 'file', path: join(dir, 'ok') }, { env: {} })).toBe(KEY);
    const err = await failure(resolveSecret({ kind: 'file', path: join(dir, 'bad') }, { env: {} }));
    expect(err.message).toContain(`file:${join(dir, 'bad')} contains whitespace or control characters`);
  });

  it('checks values read from Kubernetes too', async () => {
    const err = await failure(
      resolveSecret(
        { kind: 'k8s', namespace: 'prod', name: 's', key: 'k' },
        { env: {}, readKubeSecret: async () => `${KEY}\n` },
      ),
    );
    expect(err.message).toContain('k8s:prod/s#k contains whitespace');
  });
});
