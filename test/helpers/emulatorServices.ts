/**
 * Test helpers for the emulator's non-ARM services: an HTTPS client that trusts a given CA (Node's global fetch
 * cannot take one), a TokenCredential backed by the local IdP's client-credentials endpoint, and in-process route
 * calls for tests that need no socket.
 */
import http from 'node:http';
import https from 'node:https';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import type { EmulatedEvent, EmulatorContext } from '../../dev/emulator/context.js';
import type { LocalIdp } from '../../dev/emulator/idp.js';
import type { Router } from '../../dev/emulator/router.js';
import type { EmulatorResponse } from '../../dev/emulator/router.js';

export interface HttpsResult {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
  json<T = unknown>(): T;
}

export interface HttpsRequestOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  /** Sent as JSON unless it is a string. */
  readonly body?: unknown;
  readonly ca?: string;
}

/** One request over http or https, trusting `ca` for https; never disables certificate checks. */
export function request(url: string, options: HttpsRequestOptions = {}): Promise<HttpsResult> {
  const payload =
    options.body === undefined ? undefined : Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body));
  const headers: Record<string, string> = {
    ...(payload && typeof options.body !== 'string' ? { 'content-type': 'application/json' } : {}),
    ...options.headers,
    ...(payload ? { 'content-length': String(payload.length) } : {}),
  };
  const target = new URL(url);
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const outgoing = transport.request(
      target,
      { method: options.method ?? 'GET', headers, timeout: 10_000, ...(options.ca ? { ca: options.ca } : {}) },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json: <T>() => JSON.parse(text) as T });
        });
        response.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`timeout: ${url}`)));
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

/** A TokenCredential that gets client-credential tokens from the local IdP, as the app's `local` credential does. */
export function localIdpCredential(baseUrl: string, ca: string, clientId = 'aml-warden-tests'): TokenCredential & { readonly scopesRequested: string[] } {
  const scopesRequested: string[] = [];
  return {
    scopesRequested,
    async getToken(scopes: string | string[]): Promise<AccessToken> {
      const scope = Array.isArray(scopes) ? scopes.join(' ') : scopes;
      scopesRequested.push(scope);
      const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, scope }).toString();
      const response = await request(`${baseUrl}/idp/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
        ca,
      });
      if (response.status !== 200) throw new Error(`token request failed: ${response.status} ${response.text}`);
      const { access_token, expires_in } = response.json<{ access_token: string; expires_in: number }>();
      return { token: access_token, expiresOnTimestamp: Date.now() + expires_in * 1000 };
    },
  };
}

export interface RouteCall {
  readonly headers?: http.IncomingHttpHeaders;
  readonly body?: unknown;
  readonly query?: Record<string, string>;
}

/** Calls a mounted route in-process, as `server.ts` would after parsing the request: for tests that need no socket. */
export async function callRoute(router: Router, method: string, path: string, call: RouteCall = {}): Promise<EmulatorResponse> {
  const matched = router.match(method, path);
  if (!matched || 'allowed' in matched) throw new Error(`no ${method} route for ${path}`);
  const rawBody = call.body === undefined ? Buffer.alloc(0) : Buffer.from(typeof call.body === 'string' ? call.body : JSON.stringify(call.body));
  return matched.handler({
    method,
    path,
    query: new URLSearchParams(call.query ?? {}),
    headers: call.headers ?? {},
    body: call.body,
    rawBody,
    params: matched.params,
    principal: 'anonymous',
  });
}

/** A context for in-process route tests; its clock can be moved. */
export function fixedContext(idp: LocalIdp, baseUrl = 'https://127.0.0.1:7443'): EmulatorContext & { published: EmulatedEvent[]; clock: { now: Date } } {
  const clock = { now: new Date('2025-03-01T10:00:00Z') };
  const published: EmulatedEvent[] = [];
  return {
    baseUrl,
    clock,
    published,
    verifyToken: (token, audience) => idp.verifyToken(token, audience),
    publishEvent: (event) => void published.push(event),
    now: () => clock.now,
  };
}
