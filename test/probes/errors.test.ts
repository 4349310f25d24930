import { describe, expect, it } from 'vitest';
import { classifyTransportError } from '../../src/activities/probes/execute.ts';
import { encodeMultipart } from '../../src/activities/probes/http-probe.ts';
import { sanitise } from '../../src/activities/probes/result.ts';

const withCode = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('transport error classification', () => {
  it.each([
    [withCode('ENOTFOUND', 'getaddrinfo ENOTFOUND api.ideogram.invalid'), 'dns'],
    [withCode('EAI_AGAIN'), 'dns'],
    [Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }), 'timeout'],
    [withCode('UND_ERR_HEADERS_TIMEOUT'), 'timeout'],
    [withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'), 'connect'],
    [withCode('EHOSTUNREACH'), 'connect'],
    [withCode('ERR_TLS_CERT_ALTNAME_INVALID'), 'tls'],
    [withCode('DEPTH_ZERO_SELF_SIGNED_CERT'), 'tls'],
    [withCode('ECONNRESET', 'read ECONNRESET'), 'reset'],
    [withCode('UND_ERR_SOCKET', 'other side closed'), 'reset'],
    [new SyntaxError('Unexpected end of JSON input'), 'bad_body'],
  ] as const)('%s → %s', (err, kind) => {
    expect(classifyTransportError(err)).toBe(kind);
  });

  it('looks through wrapped causes (fetch-style errors)', () => {
    expect(classifyTransportError(new TypeError('fetch failed', { cause: withCode('ECONNRESET') }))).toBe('reset');
  });
});

describe('detail sanitising', () => {
  it('cuts out every secret it was given, flattens whitespace and stays short', () => {
    const key = 'sk-live-0123456789abcdef';
    const detail = sanitise(`{"error":\n  "bad key ${key}", "echo": "${key}"}${'x'.repeat(400)}`, [key]);
    expect(detail).not.toContain(key);
    expect(detail).toContain('bad key [REDACTED]');
    expect(detail).not.toContain('\n');
    expect(detail.length).toBeLessThanOrEqual(160 + ' … (1000 characters)'.length);
  });

  it('cuts a long JSON body at a word, keeping the message people and decision rules read, and says how long it was', () => {
    const body = JSON.stringify({
      error: 'Service Unavailable',
      message: 'The upstream model servers are overloaded; please retry later. '.repeat(5),
    });
    const detail = sanitise(body, []);
    const marker = ` … (${body.length} characters)`;
    expect(detail.endsWith(marker)).toBe(true);
    const kept = detail.slice(0, -marker.length);
    expect(
      kept.startsWith('{"error":"Service Unavailable","message":"The upstream model servers are overloaded;'),
    ).toBe(true);
    expect(kept.length).toBeLessThanOrEqual(160);
    // Never inside a word: what follows the cut is a space.
    expect(body[kept.length]).toBe(' ');
  });
});

describe('multipart encoding', () => {
  it('produces a body a standard parser reads back field by field', async () => {
    const boundary = '----test-boundary';
    const body = encodeMultipart({ prompt: 'triage test', rendering_speed: 'FLASH' }, boundary);
    const form = await new Response(body, {
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    }).formData();
    expect(Object.fromEntries(form.entries())).toEqual({ prompt: 'triage test', rendering_speed: 'FLASH' });
  });
});
