import { html, type Html } from '../html.ts';
import { page } from './layout.ts';

/** A request that needs a session arrived without a live one: say why, and offer the way back in. */
export function signInNeededPage(ended: boolean): Html {
  return page(
    'Sign in to continue',
    null,
    html`<p class="flash" id="signed-out">${ended ? 'Your session has ended (you signed out, or it expired): nothing was sent.' : 'This needs you to be signed in: nothing was sent.'}</p>
<p><a href="/login">Sign in</a>, then open the incident again and repeat the action.</p>`,
  );
}

export function forbiddenPage(why: string): Html {
  return page(
    'Forbidden',
    null,
    html`<p class="error">Forbidden: ${why}.</p><p><a href="/">Back to the incidents</a></p>`,
  );
}
