import MarkdownIt from 'markdown-it';
import { Html } from '../html.ts';

/**
 * Markdown for the postmortem, which carries people's text (notes, root cause, names). Raw HTML
 * is not markup here (`html: false` escapes it), links keep markdown-it's own validateLink (no
 * `javascript:`, `vbscript:`, `file:` or non-image `data:` URLs), and nothing becomes a link by
 * itself (`linkify: false`). The page's CSP still allows no inline script, whatever comes out.
 */
const markdown = new MarkdownIt({ html: false, linkify: false, typographer: false });

// Links leave the console: no referrer, no window.opener.
markdown.renderer.rules.link_open = (tokens, idx, options, _env, self) => {
  tokens[idx]!.attrSet('rel', 'noopener noreferrer');
  return self.renderToken(tokens, idx, options);
};

export function renderMarkdown(source: string): Html {
  return new Html(markdown.render(source));
}
