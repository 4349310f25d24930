// src/server/views: server-rendered HTML, every value escaped by the html template tag.
import { html, type Html } from '../html.ts';
import { hasRole, type ConsoleIdentity } from '../identity.ts';
import { READING_CSS } from './reading-style.ts';

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1c1e21;background:#f6f7f9}
header{background:#23272f;color:#fff;padding:.6em 1.2em;display:flex;gap:1.5em;align-items:center}
header a{color:#fff;text-decoration:none}header .who{margin-left:auto;opacity:.85}
main{padding:1em 1.5em;max-width:1200px}
table{border-collapse:collapse;width:100%;background:#fff}td,th{border-bottom:1px solid #e3e5e8;padding:.35em .6em;text-align:left;vertical-align:top}
section{background:#fff;border:1px solid #e3e5e8;border-radius:6px;padding:.6em 1em;margin:1em 0}
pre{white-space:pre-wrap;background:#f0f1f3;padding:.6em;border-radius:4px}
.flash{background:#fff4ce;border:1px solid #e6c200;padding:.5em 1em}
#live.lost{background:#fde7e9;border:1px solid #b00020;padding:.5em 1em;font-weight:600}
form.inline{display:inline-flex;gap:.4em;margin:.2em 0}
button{cursor:pointer}
.markdown h2{font-size:1.25em;margin:.4em 0}.markdown h3{font-size:1.05em;margin:1em 0 .3em}.markdown code{background:#f0f1f3;padding:0 .25em;border-radius:3px}
.markdown ul{padding-left:1.4em}.markdown li{margin:.15em 0}.timeline td:first-child{white-space:nowrap;color:#555}
`;

/** Every page: the header with who is signed in (and, in dev mode, the Drill link for responders), and the content. */
export function page(
  title: string,
  identity: ConsoleIdentity | null,
  body: Html,
  options: { csrf?: string; refreshSeconds?: number; drill?: boolean } = {},
): Html {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title} — runbook console</title>
${options.refreshSeconds ? html`<meta http-equiv="refresh" content="${options.refreshSeconds}">` : ''}
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/console.css">
<script src="/static/console.js" defer></script></head>
<body><header><a href="/"><strong>runbook console</strong></a><a href="/">Incidents</a><a href="/incidents/new">Open an incident</a>${options.drill && hasRole(identity, 'responder') ? html`<a href="/drill">Drill</a>` : ''}
${
  identity
    ? html`<span class="who">${identity.name} (${identity.roles.at(-1)}, ${identity.issuer === 'local-link' ? 'local login' : identity.issuer})</span>
<form method="post" action="/logout" class="inline"><input type="hidden" name="_csrf" value="${options.csrf ?? ''}"><button>Sign out</button></form>`
    : html`<span class="who"><a href="/login">Sign in</a></span>`
}
</header><main><h1>${title}</h1>${body}</main></body></html>`;
}

/**
 * A page that says what went wrong, styled as every page. `retryInSeconds`: a page that could not be
 * read for now tries again by itself (a GET only: nothing is resent). `extra`: e.g. the refused form, kept.
 */
export function errorPage(
  title: string,
  message: string,
  options: { retryInSeconds?: number; identity?: ConsoleIdentity | null; csrf?: string; extra?: Html } = {},
): Html {
  const again = options.retryInSeconds
    ? html`<p>This page tries again every ${String(options.retryInSeconds)} s.</p>`
    : '';
  return page(
    title,
    options.identity ?? null,
    html`<p class="error">${message}</p>${again}${options.extra ?? ''}<p><a href="/">Back to the incidents</a></p>`,
    {
      csrf: options.csrf,
      refreshSeconds: options.retryInSeconds,
    },
  );
}

export const CONSOLE_CSS = STYLE + READING_CSS;
