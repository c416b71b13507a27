/**
 * The web console's files, under the app's HTTP route prefix: `GET /api/console/` (Azure Functions puts every HTTP
 * trigger under host.json's `extensions.http.routePrefix`, default `api`, with no per-function exception:
 * learn.microsoft.com/azure/azure-functions/functions-bindings-http-webhook "host.json settings"; proxies are a legacy
 * of runtimes 1.x–3.x that 4.x re-enables only for migrating: legacy-proxies). So the console lives at
 * `/api/console/`, its sign-in settings at `/api/console/config.json`, and every other path below it that is not one
 * of its files answers with its page, for the console's own router to show (`/api/console/approvals/{id}` is a link a
 * notification can carry).
 *
 * The console is a public client: nothing served here is secret, and the API checks every call on its own.
 */
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { ConsoleSettings } from '../config.js';
import { AppError } from '../errors.js';
import type { ConsoleAsset, ConsoleAssets } from './consoleAssets.js';
import { httpHandler, type AppHttpHandler } from './httpHandler.js';

export interface ConsoleDeps {
  /** The built files; undefined when the app was deployed or started without them. */
  readonly assets: () => Promise<ConsoleAssets | undefined>;
  /** The console's sign-in settings; undefined when the API's token validation is not configured. Throws for invalid settings. */
  readonly settings: () => Promise<ConsoleSettings | undefined> | ConsoleSettings | undefined;
}

/** What `GET /api/console/config.json` answers: all MSAL.js needs to sign in and ask for the API's token. */
export interface ConsoleClientConfig {
  readonly tenantId: string;
  readonly clientId: string;
  readonly apiScope: string;
  readonly authority: string;
  /**
   * The authority's host: MSAL.js then trusts the authority's own discovery document instead of asking Entra ID's
   * instance discovery about it (`knownAuthorities`, learn.microsoft.com/entra/identity-platform/msal-js-initializing-client-applications).
   */
  readonly knownAuthorities: readonly string[];
}

export function consoleClientConfig(settings: ConsoleSettings): ConsoleClientConfig {
  return {
    tenantId: settings.tenantId,
    clientId: settings.clientId,
    apiScope: settings.apiScope,
    authority: settings.authority,
    knownAuthorities: [new URL(settings.authority).host],
  };
}

/**
 * The page's Content-Security-Policy: its own script and styles only (no CDN, nothing inline), API calls to this
 * origin, and sign-in traffic to the authority (MSAL.js reads its discovery document and redeems the code with
 * `fetch`, and renews tokens silently in a hidden frame).
 */
export function contentSecurityPolicy(authorityOrigin: string | undefined): string {
  const authority = authorityOrigin === undefined ? '' : ` ${authorityOrigin}`;
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self'${authority}`,
    `frame-src${authority === '' ? " 'none'" : authority}`,
    // MSAL.js may renew a token in a hidden frame of the console itself; nobody else may frame it.
    "frame-ancestors 'self'",
    "base-uri 'self'",
    "form-action 'self'",
    "object-src 'none'",
  ].join('; ');
}

const NOT_BUILT = 'the console is not part of this build: run npm run build (npm run package ships it)';

/** The path a file name may take: a name with an extension in the last segment (`app-3F2A.js`), not a console page. */
const FILE_LIKE = /\.[A-Za-z0-9]+$/;

/**
 * `index.html` with a `<base>` naming the console's own folder as this request reached it, so its relative script
 * and style links resolve from any page address (`/api/console/approvals/abc` as well as `/api/console/`).
 */
function pageWithBase(index: ConsoleAsset, basePath: string): Buffer {
  const escaped = basePath.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return Buffer.from(index.body.toString('utf8').replace(/<head>/i, `<head>\n    <base href="${escaped}">`), 'utf8');
}

/** `/api/console/approvals/abc` with the route's rest `approvals/abc` → `/api/console/`. */
function consoleBasePath(pathname: string, rest: string): string {
  const segments = pathname.split('/');
  const restSegments = rest === '' ? 0 : rest.split('/').length;
  const kept = segments.slice(0, segments.length - restSegments - (pathname.endsWith('/') && rest !== '' ? 1 : 0));
  const base = kept.join('/');
  return base.endsWith('/') ? base : `${base}/`;
}

function securityHeaders(csp: string | undefined): Record<string, string> {
  return {
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
    ...(csp === undefined ? {} : { 'content-security-policy': csp, 'x-frame-options': 'SAMEORIGIN' }),
  };
}

function fileResponse(asset: ConsoleAsset): HttpResponseInit {
  return {
    status: 200,
    body: asset.body,
    headers: {
      'content-type': asset.contentType,
      // Hashed names never change content; anything else is checked again each time.
      'cache-control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      ...securityHeaders(undefined),
    },
  };
}

export function createConsoleHandler(deps: ConsoleDeps): AppHttpHandler {
  return httpHandler(async (request: HttpRequest): Promise<HttpResponseInit> => {
    const url = new URL(request.url);
    const rest = (request.params['path'] ?? '').replace(/^\/+|\/+$/g, '');

    // Without the trailing slash, the page's relative links would resolve one folder too high.
    if (rest === '' && !url.pathname.endsWith('/')) {
      return { status: 308, headers: { location: `${url.pathname}/${url.search}`, 'cache-control': 'no-cache' } };
    }

    if (rest === 'config.json') {
      const settings = await deps.settings();
      if (settings === undefined) {
        throw new AppError('ConfigurationError', 'the console signs in with Entra ID: set AML_WARDEN_AUTH_TENANT_ID and AML_WARDEN_AUTH_CLIENT_ID', {
          target: 'AML_WARDEN_AUTH_TENANT_ID',
          module: 'console',
        });
      }
      return { status: 200, jsonBody: consoleClientConfig(settings), headers: { 'cache-control': 'no-cache', ...securityHeaders(undefined) } };
    }

    const assets = await deps.assets();
    if (assets === undefined) throw new AppError('NotFound', NOT_BUILT, { target: 'console', module: 'console' });
    const asset = assets.find(rest);
    if (asset !== undefined && asset !== assets.index) return fileResponse(asset);
    if (FILE_LIKE.test(rest) && asset === undefined) throw new AppError('NotFound', 'the console has no such file', { target: 'path', module: 'console' });

    let authorityOrigin: string | undefined;
    try {
      const settings = await deps.settings();
      authorityOrigin = settings === undefined ? undefined : new URL(settings.authority).origin;
    } catch {
      // Invalid settings: the page still loads and shows what config.json says about them.
      authorityOrigin = undefined;
    }
    return {
      status: 200,
      body: pageWithBase(assets.index, consoleBasePath(url.pathname, rest)),
      headers: { 'content-type': assets.index.contentType, 'cache-control': 'no-cache', ...securityHeaders(contentSecurityPolicy(authorityOrigin)) },
    };
  });
}
