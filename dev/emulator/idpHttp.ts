/**
 * HTTP details the identity provider's endpoints share: form bodies, HTML pages, and cross-origin answers for the
 * browser clients (MSAL.js reads the discovery document and redeems codes with `fetch` from the app's origin).
 */
import type { EmulatorRequest, EmulatorResponse } from './router.js';

/** The fields of a form body (or of a JSON object of strings), whatever content type the router parsed it as. */
export function formFieldsOf(request: EmulatorRequest): Record<string, string> {
  if (request.body && typeof request.body === 'object' && !Array.isArray(request.body) && !Buffer.isBuffer(request.body)) {
    return Object.fromEntries(Object.entries(request.body).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  }
  return Object.fromEntries(new URLSearchParams(request.rawBody.toString('utf8')));
}

/** The request's `Origin` header: browsers send it on every cross-origin `fetch`. */
export function originOf(request: EmulatorRequest): string | undefined {
  const origin = request.headers.origin;
  return typeof origin === 'string' && origin.length > 0 ? origin : undefined;
}

/**
 * Public documents any page may read (the discovery documents and signing keys), as Entra serves them: a browser
 * client could not discover the authority otherwise.
 */
export const PUBLIC_CORS_HEADERS: Readonly<Record<string, string>> = { 'access-control-allow-origin': '*' };

/** An answer the calling origin may read. */
export function corsHeadersFor(origin: string | undefined): Record<string, string> {
  return origin === undefined ? {} : { 'access-control-allow-origin': origin, vary: 'Origin' };
}

/** The answer to a CORS preflight: the origin, method and headers asked for are allowed (MSAL.js may add `X-AnchorMailbox`). */
export function preflightResponse(request: EmulatorRequest, methods: readonly string[]): EmulatorResponse {
  const requestedHeaders = request.headers['access-control-request-headers'];
  return {
    status: 204,
    headers: {
      ...corsHeadersFor(originOf(request) ?? '*'),
      'access-control-allow-methods': methods.join(', '),
      ...(typeof requestedHeaders === 'string' && requestedHeaders.length > 0 ? { 'access-control-allow-headers': requestedHeaders } : {}),
      'access-control-max-age': '3600',
    },
  };
}

/**
 * An HTML page of the sign-in experience: not cached, never framed (as Entra's sign-in pages), its inline style and
 * script allowed by a per-page nonce, and its forms allowed to post to this origin and to `formTargets` (a form whose
 * answer redirects to the application counts as posting there).
 */
export function htmlPage(status: number, html: string, nonce: string, formTargets: readonly string[] = []): EmulatorResponse {
  const csp = [
    "default-src 'none'",
    `style-src 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    `form-action 'self'${formTargets.map((origin) => ` ${origin}`).join('')}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
  return {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      pragma: 'no-cache',
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'content-security-policy': csp,
    },
    body: html,
  };
}
