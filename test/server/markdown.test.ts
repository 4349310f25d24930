import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/server/views/markdown.ts';
import { renderPostmortem } from '../../src/workflows/engine/postmortem.ts';

/** The tags markdown-it makes of markdown (no raw HTML gets through with `html: false`). */
const MARKDOWN_TAGS = new Set([
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'p',
  'ul',
  'ol',
  'li',
  'a',
  'code',
  'pre',
  'em',
  'strong',
  'blockquote',
  'hr',
  'br',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  's',
  'img',
]);
const tagsOf = (out: string) => [...out.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9-]*)/g)].map((m) => m[1]!.toLowerCase());
const urlsOf = (out: string) => [...out.matchAll(/(?:href|src)="([^"]*)"/g)].map((m) => m[1]!);

const postmortemWith = (note: string, rootCause: string) =>
  renderPostmortem({
    title: 'Example API',
    incidentId: 'incident-20261125-x',
    startedAt: '2026-11-25T10:00:00.000Z',
    endedAt: '2026-11-25T11:00:00.000Z',
    decision: null,
    summary: 'summary',
    rootCause,
    timeline: [{ at: '2026-11-25T10:05:00.000Z', kind: 'note', message: `carol: ${note}` }],
    mutations: [],
    actionItems: ['Review'],
    owner: 'carol',
    state: 'resolved',
  });

describe('postmortem markdown rendering', () => {
  it('renders headings, lists and tables, escapes raw HTML and refuses unsafe link schemes', () => {
    const out = renderMarkdown(
      [
        '## Incident: outage',
        '',
        '<script>alert(1)</script> <img src=x onerror=alert(2)>',
        '',
        '[a](javascript:alert(1)) [b](JAVASCRIPT:alert(1)) [c](vbscript:msgbox(1)) [d](data:text/html;base64,PHNjcmlwdD4=) <javascript:alert(3)>',
        '',
        '[safe](https://example.com/x)',
        '',
        '| step | change |',
        '| --- | --- |',
        '| enable-fallback | `IDEOGRAM_FALLBACK=true` |',
      ].join('\n'),
    ).text;
    expect(out).toContain('<h2>Incident: outage</h2>');
    expect(out).toContain('<table>');
    expect(out).toContain('<td><code>IDEOGRAM_FALLBACK=true</code></td>');
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(2)&gt;');
    expect(tagsOf(out).filter((t) => !MARKDOWN_TAGS.has(t))).toEqual([]);
    expect(urlsOf(out)).toEqual(['https://example.com/x']);
    expect(out).toContain('<a href="https://example.com/x" rel="noopener noreferrer">safe</a>');
  });

  it('whatever people write into a note or the root cause, the rendered postmortem has only markdown tags and no script URL', () => {
    const risky = fc.constantFrom(
      '<script>alert(1)</script>',
      '[x](javascript:alert(1))',
      '<javascript:alert(1)>',
      '<a href="javascript:x">y</a>',
      '![i](javascript:x)',
      '[z](  javascript:x)',
      '`<b>`',
    );
    const text = fc
      .array(fc.oneof(risky, fc.string({ maxLength: 20 })), { maxLength: 6 })
      .map((parts) => parts.join(' '));
    fc.assert(
      fc.property(text, text, (note, rootCause) => {
        const out = renderMarkdown(postmortemWith(note, rootCause)).text;
        expect(tagsOf(out).filter((t) => !MARKDOWN_TAGS.has(t))).toEqual([]);
        for (const url of urlsOf(out)) expect(url).not.toMatch(/^\s*(javascript|vbscript|data):/i);
        expect(out).not.toMatch(/<[a-z]+[^>]*\son[a-z]+=/i);
      }),
    );
  });
});
