/**
 * Local identity provider: issues and verifies RS256 tokens shaped like Entra ID's, for one tenant, under `/idp` — access
 * tokens in both versions, for users (delegated: `scp`) and for applications (app-only: no `scp`), and the
 * authorization code flow with PKCE that single-page apps sign in with (MSAL.js), against the playground's directory.
 * Token shapes and the issuer are in `idpIssuer.ts`; the flow's endpoints in `idpAuthorize.ts` and `idpTokenEndpoint.ts`.
 *
 * `server.ts` creates one per emulator with `createLocalIdp(baseUrl)`, builds its context's `verifyToken` from it
 * and mounts the routes with `mountIdp(router, idp)`. Codes and refresh tokens live in memory with the mounted routes;
 * the emulator's `reset` (its Azure resources) leaves them, as it leaves the signing key.
 *
 * Routes:
 * - discovery, as Entra's paths: `/idp/{tid}/.well-known/openid-configuration` (v1 issuer) and
 *   `/idp/{tid}/v2.0/.well-known/openid-configuration` (v2, with the authorization, token and logout endpoints MSAL.js
 *   reads: msal-common `Authority.ts`, `OpenIdConfigResponse.ts`), and their keys `GET /idp/{tid}/discovery/keys`,
 *   `/idp/{tid}/discovery/v2.0/keys`; all readable cross-origin, since MSAL.js fetches them from the app's page;
 * - the v2.0 authorization code flow: `/idp/{tid}/oauth2/v2.0/authorize`, the account picker's `POST /idp/{tid}/login`,
 *   `POST /idp/{tid}/oauth2/v2.0/token` (authorization_code, refresh_token) and `/idp/{tid}/oauth2/v2.0/logout`;
 * - `POST /idp/token` (client credentials, form body, `scope=<resource>/.default` → a v1 app-only token, as Azure's
 *   resources receive); `POST /idp/dev/token` (JSON `{user?, app?, roles?, audience?, version?, expiresInSeconds?,
 *   notBeforeSeconds?, tenantId?}` → a user or app-only token for the playground's API).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import type { EmulatorContext } from './context.js';
import { mountAuthorizationEndpoint } from './idpAuthorize.js';
import { GrantStore } from './idpGrants.js';
import { PUBLIC_CORS_HEADERS, formFieldsOf } from './idpHttp.js';
import { DEFAULT_CLIENT_ID, PLAYGROUND_API, TOKEN_LIFETIME_SECONDS, localIdpFor, stableGuid, type LocalIdp } from './idpIssuer.js';
import { mountTokenEndpoint } from './idpTokenEndpoint.js';
import type { EmulatorRequest, EmulatorResponse, Router } from './router.js';

export {
  DEFAULT_CLIENT_ID,
  LOCAL_TENANT_ID,
  PLAYGROUND_API,
  PLAYGROUND_SCOPE,
  createLocalIdp,
  stableGuid,
  type IdTokenOptions,
  type LocalIdp,
  type LocalIdpOptions,
  type MintOptions,
  type TokenVerification,
  type TokenVersion,
} from './idpIssuer.js';
export { PLAYGROUND_SPA, PLAYGROUND_USERS, type DirectoryUser, type SpaRegistration } from './idpDirectory.js';

/** Mounts the IdP created for `context.baseUrl` by `createLocalIdp`. */
export function mount(router: Router, context: EmulatorContext): LocalIdp {
  const idp = localIdpFor(context.baseUrl);
  if (!idp) throw new Error(`no local identity provider was created for ${context.baseUrl}; call createLocalIdp first`);
  mountIdp(router, idp);
  return idp;
}

const clientCredentialsForm = z.object({
  grant_type: z.literal('client_credentials', { error: "grant_type must be 'client_credentials'" }),
  scope: z.string({ error: 'scope is required' }).min(1, 'scope is required'),
  client_id: z.string().min(1).optional(),
});

const devTokenRequest = z
  .object({
    user: z.string().trim().min(1, 'user must not be empty').optional(),
    app: z.string().trim().min(1, 'app must not be empty').optional(),
    roles: z.array(z.string().min(1)).optional(),
    audience: z.string().min(1).optional(),
    version: z.union([z.literal(1), z.literal(2)]).optional(),
    expiresInSeconds: z.number().int().optional(),
    notBeforeSeconds: z.number().int().optional(),
    tenantId: z.string().min(1).optional(),
  })
  .refine((body) => (body.user === undefined) !== (body.app === undefined), { message: 'name exactly one of user (a delegated token) and app (an app-only token)' });

/** The discovery document of the tenant's v1 endpoint: its issuer and keys are what the app reads from it. */
function v1DiscoveryDocument(idp: LocalIdp): Record<string, unknown> {
  const tenant = `${idp.authority}/${idp.tenantId}`;
  return {
    issuer: idp.issuerFor(1),
    jwks_uri: `${tenant}/discovery/keys`,
    token_endpoint: `${tenant}/oauth2/token`,
    response_types_supported: ['code', 'id_token', 'code id_token', 'token id_token', 'token'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    grant_types_supported: ['client_credentials'],
    tenant_region_scope: 'NA',
    claims_supported: ['sub', 'oid', 'tid', 'iss', 'aud', 'exp', 'iat', 'nbf', 'name', 'upn', 'roles', 'scp', 'ver'],
  };
}

/**
 * The discovery document of the tenant's v2.0 endpoint, with the fields Entra publishes for a tenant
 * (MicrosoftDocs/entra-docs `v2-protocols-oidc.md`, "Fetch the OpenID configuration document"). MSAL.js needs
 * `authorization_endpoint`, `token_endpoint`, `issuer` and `jwks_uri` (msal-common `isOpenIdConfigResponse`), takes
 * `end_session_endpoint` for logout, and accepts the issuer because its origin is the authority's
 * (`Authority.validateIssuer`). Entra's Graph `userinfo_endpoint` and device code endpoint are not emulated, so not named.
 */
function v2DiscoveryDocument(idp: LocalIdp): Record<string, unknown> {
  const tenant = `${idp.authority}/${idp.tenantId}`;
  return {
    token_endpoint: `${tenant}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${tenant}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: idp.issuerFor(2),
    request_uri_parameter_supported: false,
    authorization_endpoint: `${tenant}/oauth2/v2.0/authorize`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${tenant}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
    tenant_region_scope: 'NA',
  };
}

export function mountIdp(router: Router, idp: LocalIdp): void {
  const tenant = '/idp/{tenantId}';
  const forTenant =
    (answer: () => EmulatorResponse) =>
    (request: EmulatorRequest): EmulatorResponse =>
      (request.params['tenantId'] ?? '').toLowerCase() === idp.tenantId
        ? answer()
        : oauthError('invalid_tenant', `Tenant '${request.params['tenantId'] ?? ''}' not found.`, 400, PUBLIC_CORS_HEADERS);
  const publicDocument = (body: unknown): EmulatorResponse => ({ status: 200, headers: PUBLIC_CORS_HEADERS, body });

  router.add('GET', `${tenant}/.well-known/openid-configuration`, forTenant(() => publicDocument(v1DiscoveryDocument(idp))));
  router.add('GET', `${tenant}/v2.0/.well-known/openid-configuration`, forTenant(() => publicDocument(v2DiscoveryDocument(idp))));
  router.add('GET', `${tenant}/discovery/keys`, forTenant(() => publicDocument(idp.jwks)));
  router.add('GET', `${tenant}/discovery/v2.0/keys`, forTenant(() => publicDocument(idp.jwks)));

  const grants = new GrantStore(() => idp.now());
  mountAuthorizationEndpoint(router, idp, grants);
  mountTokenEndpoint(router, idp, grants);

  router.add('POST', '/idp/token', async (request) => {
    const parsed = clientCredentialsForm.safeParse(formFieldsOf(request));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const code = issue?.path[0] === 'grant_type' ? 'unsupported_grant_type' : 'invalid_request';
      return oauthError(code, issue?.message ?? 'invalid request');
    }
    const audience = audienceOfScope(parsed.data.scope);
    if (!audience) return oauthError('invalid_scope', "scope must be '<resource>/.default'");
    const clientId = parsed.data.client_id ?? DEFAULT_CLIENT_ID;
    const accessToken = await idp.mintAccessToken({ audience, subject: clientId, clientId, version: 1 });
    return {
      status: 200,
      headers: { 'cache-control': 'no-store' },
      body: { token_type: 'Bearer', expires_in: TOKEN_LIFETIME_SECONDS, ext_expires_in: TOKEN_LIFETIME_SECONDS, access_token: accessToken },
    };
  });

  router.add('POST', '/idp/dev/token', async (request) => {
    const parsed = devTokenRequest.safeParse(request.body);
    if (!parsed.success) {
      return oauthError('invalid_request', parsed.error.issues.map((issue) => issue.message).join('; '));
    }
    const { user, app, roles, audience, version = 2, expiresInSeconds, notBeforeSeconds, tenantId } = parsed.data;
    const appClientId = app === undefined ? undefined : stableGuid(`app:${app}`);
    const accessToken = await idp.mintAccessToken({
      // v2 tokens are always for the API's client ID; v1 tokens name the resource asked for, here its App ID URI.
      audience: audience ?? (version === 2 ? PLAYGROUND_API.clientId : PLAYGROUND_API.appIdUri),
      version,
      ...(user === undefined ? {} : { user, clientId: PLAYGROUND_API.clientId }),
      ...(appClientId === undefined ? {} : { clientId: appClientId, subject: stableGuid(`sp:${app ?? ''}`) }),
      ...(roles ? { roles } : {}),
      ...(expiresInSeconds === undefined ? {} : { expiresInSeconds }),
      ...(notBeforeSeconds === undefined ? {} : { notBeforeSeconds }),
      ...(tenantId === undefined ? {} : { tenantId }),
    });
    return { status: 200, headers: { 'cache-control': 'no-store' }, body: { access_token: accessToken, token_type: 'Bearer' } };
  });
}

/** `https://vault.azure.net/.default` → `https://vault.azure.net`; ARM's `https://management.azure.com//.default` too. */
export function audienceOfScope(scope: string): string | undefined {
  const resourceScope = scope.split(/\s+/).find((candidate) => candidate.endsWith('/.default'));
  if (!resourceScope) return undefined;
  const resource = resourceScope.slice(0, -'/.default'.length).replace(/\/+$/, '');
  return resource.length > 0 ? resource : undefined;
}

/** The token of an `Authorization: Bearer …` header, if any. */
export function bearerTokenOf(headers: IncomingHttpHeaders): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  return match?.[1];
}

function oauthError(error: string, description: string, status = 400, headers: Readonly<Record<string, string>> = {}): EmulatorResponse {
  return { status, headers: { 'cache-control': 'no-store', ...headers }, body: { error, error_description: description } };
}
