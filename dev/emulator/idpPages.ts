/**
 * The pages of the playground's sign-in: the account picker (in place of Entra's sign-in page: the playground has no
 * passwords, a person picks who to be), the error page Entra shows when it cannot send an error back to the
 * application, the `form_post` answer, and the signed-out page. Plain HTML forms: every control is a native button with
 * its text as its name, so they work by keyboard and with assistive technology without any script.
 */
import type { DirectoryUser } from './idpDirectory.js';

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const STYLE = `
  :root { color-scheme: light dark; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
  body { margin: 0; display: grid; place-items: start center; min-height: 100vh; background: Canvas; color: CanvasText; }
  main { width: min(30rem, 100% - 2rem); margin-top: 8vh; padding: 2rem; border: 1px solid GrayText; border-radius: 0.5rem; }
  h1 { font-size: 1.5rem; margin: 0 0 0.5rem; }
  .context { margin: 0 0 1.5rem; }
  .tenant { font-size: 0.875rem; margin: 0 0 1rem; }
  ul { list-style: none; margin: 0 0 1.5rem; padding: 0; display: grid; gap: 0.5rem; }
  button { font: inherit; width: 100%; text-align: start; padding: 0.75rem 1rem; border: 1px solid GrayText; border-radius: 0.375rem;
           background: ButtonFace; color: ButtonText; cursor: pointer; }
  button:hover { border-color: CanvasText; }
  button:focus-visible { outline: 3px solid Highlight; outline-offset: 2px; }
  .name { display: block; font-weight: 600; }
  .detail { display: block; font-size: 0.875rem; }
  .secondary { width: auto; text-align: center; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; font-size: 0.875rem; overflow-wrap: anywhere; }
  dt { font-weight: 600; }
`;

function page(title: string, nonce: string, body: string): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style nonce="${nonce}">${STYLE}</style>`,
    '</head>',
    '<body>',
    body,
    '</body>',
    '</html>',
  ].join('\n');
}

export interface AccountPickerPage {
  readonly appName: string;
  readonly tenantId: string;
  readonly users: readonly DirectoryUser[];
  /** Where the form posts: the tenant's sign-in endpoint. */
  readonly action: string;
  /** The pending sign-in the form completes. */
  readonly signInKey: string;
  /** The account the application hinted at (`login_hint`): it gets the focus. */
  readonly loginHint?: string;
  readonly nonce: string;
}

export function accountPickerPage(options: AccountPickerPage): string {
  const hinted = options.users.find((candidate) => candidate.userPrincipalName === options.loginHint?.trim().toLowerCase()) ?? options.users[0];
  const accounts = options.users
    .map((candidate) => {
      const roles = candidate.appRoles.length > 0 ? candidate.appRoles.join(', ') : 'none';
      return [
        '<li>',
        `<button type="submit" name="login" value="${escapeHtml(candidate.userPrincipalName)}"${candidate === hinted ? ' autofocus' : ''}>`,
        `<span class="name">${escapeHtml(candidate.displayName)}</span>`,
        `<span class="detail">${escapeHtml(candidate.userPrincipalName)}</span>`,
        `<span class="detail">App roles: ${escapeHtml(roles)}</span>`,
        '</button>',
        '</li>',
      ].join('');
    })
    .join('\n');
  return page(
    `Sign in to ${options.appName}`,
    options.nonce,
    [
      '<main aria-labelledby="title">',
      `<p class="tenant">Playground identity provider, tenant ${escapeHtml(options.tenantId)}</p>`,
      '<h1 id="title">Pick an account</h1>',
      `<p class="context">to continue to <strong>${escapeHtml(options.appName)}</strong>. The playground asks for no password: you sign in as the account you pick, with its app roles.</p>`,
      `<form method="post" action="${escapeHtml(options.action)}">`,
      `<input type="hidden" name="ctx" value="${escapeHtml(options.signInKey)}">`,
      '<ul aria-labelledby="title">',
      accounts,
      '</ul>',
      '<button type="submit" name="cancel" value="1" class="secondary">Cancel</button>',
      '</form>',
      '</main>',
    ].join('\n'),
  );
}

export interface ErrorPage {
  readonly message: string;
  readonly traceId: string;
  readonly correlationId: string;
  readonly timestamp: string;
  readonly nonce: string;
}

/** Entra's "Sorry, but we're having trouble signing you in." with the technical details it lists. */
export function errorPage(options: ErrorPage): string {
  return page(
    'Sign in: error',
    options.nonce,
    [
      '<main aria-labelledby="title">',
      '<h1 id="title">Sorry, but we’re having trouble signing you in.</h1>',
      `<p class="context" id="message">${escapeHtml(options.message)}</p>`,
      '<dl>',
      `<dt>Request Id</dt><dd>${escapeHtml(options.traceId)}</dd>`,
      `<dt>Correlation Id</dt><dd>${escapeHtml(options.correlationId)}</dd>`,
      `<dt>Timestamp</dt><dd>${escapeHtml(options.timestamp)}</dd>`,
      '</dl>',
      '</main>',
    ].join('\n'),
  );
}

/** `response_mode=form_post`: a form that posts the answer to the redirect URI, sent by script (or by hand without one). */
export function formPostPage(action: string, fields: Readonly<Record<string, string>>, nonce: string): string {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
  return page(
    'Working…',
    nonce,
    [
      '<main aria-labelledby="title">',
      '<h1 id="title">Signing you in…</h1>',
      `<form method="post" action="${escapeHtml(action)}" id="answer">`,
      inputs,
      '<noscript><button type="submit">Continue</button></noscript>',
      '</form>',
      `<script nonce="${nonce}">document.getElementById('answer').submit();</script>`,
      '</main>',
    ].join('\n'),
  );
}

export function signedOutPage(nonce: string): string {
  return page(
    'Signed out',
    nonce,
    ['<main aria-labelledby="title">', '<h1 id="title">You signed out of your account</h1>', '<p class="context">It’s a good idea to close all browser windows.</p>', '</main>'].join('\n'),
  );
}
