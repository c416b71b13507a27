/**
 * Local identity provider: issues and verifies RS256 access tokens shaped like Entra ID's, for one tenant, under
 * `/idp` — in both token versions, for users (delegated: `scp`) and for applications (app-only: no `scp`).
 *
 * Shapes follow MicrosoftDocs/entra-docs `docs/identity-platform/access-token-claims-reference.md`:
 * - v1.0: `iss` `https://sts.windows.net/{tid}/` (here `<base>/idp/sts/{tid}/`), `aud` the API's App ID URI or
 *   client ID, the calling app in `appid`, user name in `upn`/`unique_name`, `ver` `1.0`;
 * - v2.0: `iss` `https://login.microsoftonline.com/{tid}/v2.0` (here `<base>/idp/{tid}/v2.0`), `aud` always the
 *   API's client ID, the calling app in `azp`, user name in `preferred_username`, `ver` `2.0`;
 * - user tokens carry `scp`; app-only tokens carry none, and `idtyp: app` (an optional claim the playground's API
 *   registration asks for: `optional-claims-reference.md`).
 * Discovery mirrors Entra's paths: `/idp/{tid}/.well-known/openid-configuration` (v1 issuer) and
 * `/idp/{tid}/v2.0/.well-known/openid-configuration` (v2), both naming the same keys.
 *
 * `server.ts` creates one per emulator with `createLocalIdp(baseUrl)`, builds its context's `verifyToken` from it
 * and mounts the routes with `mountIdp(router, idp)`. The IdP holds no per-request state: nothing to reset.
 *
 * Routes: the two discovery documents, `GET /idp/{tid}/discovery/keys` and `/idp/{tid}/discovery/v2.0/keys`
 * (JWKS), `POST /idp/token` (client credentials, form body, `scope=<resource>/.default` → a v1 app-only token, as
 * Azure's resources receive), `POST /idp/dev/token` (JSON `{user?, app?, roles?, audience?, version?,
 * expiresInSeconds?, notBeforeSeconds?, tenantId?}` → a user or app-only token for the playground's API).
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignJWT, calculateJwkThumbprint, errors as joseErrors, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { z } from 'zod';
import type { EmulatorContext } from './context.js';
import type { EmulatorRequest, EmulatorResponse, Router } from './router.js';

/** Tenant of every token (`tid`); local only. */
export const LOCAL_TENANT_ID = '00000000-0000-4000-8000-00000000a11e';
/** The playground API's app registration: its client ID (v2 `aud`) and App ID URI (a v1 `aud`). */
export const PLAYGROUND_API = { clientId: '5f1d3a6e-2b7c-4e0a-9c1d-a11ce0a9e1de', appIdUri: 'api://aml-warden' } as const;
/** Subject of client-credential tokens when the request names no `client_id`. */
export const DEFAULT_CLIENT_ID = 'aml-warden-local';
/** The delegated scope the playground API exposes. */
export const PLAYGROUND_SCOPE = 'access_as_user';
const TOKEN_LIFETIME_SECONDS = 3600;

export type TokenVersion = 1 | 2;

export interface MintOptions {
  readonly audience: string;
  /** Token version; default 1, what Entra issues to an API whose registration leaves `accessTokenAcceptedVersion` unset. */
  readonly version?: TokenVersion;
  /** `sub` (and `oid` when there is no `user`); defaults to the user's `oid`, or `aml-warden-local`. */
  readonly subject?: string;
  readonly roles?: readonly string[];
  /** A user principal name: a delegated token (`scp`), with the user's names and an `oid` stable per user. */
  readonly user?: string;
  /** The calling application (`appid` / `azp`); default `subject` or `aml-warden-local`. */
  readonly clientId?: string;
  /** Delegated scopes of a user token; default `access_as_user`. */
  readonly scopes?: readonly string[];
  /** Lifetime from now; negative gives an already expired token. Default 3600. */
  readonly expiresInSeconds?: number;
  /** `nbf` relative to now; positive gives a token not valid yet. Default 0. */
  readonly notBeforeSeconds?: number;
  /** Another tenant's `tid` (and issuer), for tests of cross-tenant tokens. */
  readonly tenantId?: string;
}

export type TokenVerification = { principal: string } | { error: string };

export interface LocalIdp {
  /** `${baseUrl}/idp`: the authority the app is configured with locally (Entra: `https://login.microsoftonline.com`). */
  readonly authority: string;
  readonly tenantId: string;
  /** The issuer of the tenant's tokens of a version. */
  issuerFor(version: TokenVersion, tenantId?: string): string;
  readonly jwks: { readonly keys: readonly JWK[] };
  readonly kid: string;
  verifyToken(token: string, audience: string): Promise<TokenVerification>;
  mintAccessToken(options: MintOptions): Promise<string>;
}

class RsaLocalIdp implements LocalIdp {
  readonly authority: string;
  readonly tenantId = LOCAL_TENANT_ID;
  readonly jwks: { readonly keys: readonly JWK[] };
  readonly kid: string;
  readonly #privateKey: CryptoKey;
  readonly #publicKey: CryptoKey;

  constructor(authority: string, kid: string, publicJwk: JWK, privateKey: CryptoKey, publicKey: CryptoKey) {
    this.authority = authority;
    this.kid = kid;
    this.jwks = { keys: [publicJwk] };
    this.#privateKey = privateKey;
    this.#publicKey = publicKey;
  }

  issuerFor(version: TokenVersion, tenantId: string = this.tenantId): string {
    return version === 2 ? `${this.authority}/${tenantId}/v2.0` : `${this.authority}/sts/${tenantId}/`;
  }

  async mintAccessToken(options: MintOptions): Promise<string> {
    const version = options.version ?? 1;
    const tenantId = options.tenantId ?? this.tenantId;
    const now = Math.floor(Date.now() / 1000);
    const lifetime = options.expiresInSeconds ?? TOKEN_LIFETIME_SECONDS;
    const expiresAt = now + lifetime;
    // An already expired token must still look issued in the past, as a real one would.
    const issuedAt = lifetime > 0 ? now : expiresAt - TOKEN_LIFETIME_SECONDS;
    const notBefore = options.notBeforeSeconds === undefined ? issuedAt : now + options.notBeforeSeconds;
    const clientId = options.clientId ?? options.subject ?? DEFAULT_CLIENT_ID;
    // Users get a GUID like Entra's; applications are named by their client id, which reads well in call logs.
    const oid = options.user ? stableGuid(options.user) : (options.subject ?? clientId);
    const user = options.user;
    const claims: Record<string, unknown> = {
      tid: tenantId,
      oid,
      ver: version === 2 ? '2.0' : '1.0',
      ...(version === 2 ? { azp: clientId, azpacr: '1' } : { appid: clientId, appidacr: '1' }),
      ...(options.roles && options.roles.length > 0 ? { roles: [...options.roles] } : {}),
      ...(user === undefined
        ? { idtyp: 'app' }
        : {
            scp: (options.scopes ?? [PLAYGROUND_SCOPE]).join(' '),
            name: displayNameOf(user),
            ...(version === 2 ? { preferred_username: user } : { upn: user, unique_name: user }),
          }),
    };
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.kid })
      .setIssuer(this.issuerFor(version, tenantId))
      .setAudience(options.audience)
      .setSubject(options.subject ?? oid)
      .setIssuedAt(issuedAt)
      .setNotBefore(notBefore)
      .setExpirationTime(expiresAt)
      .sign(this.#privateKey);
  }

  async verifyToken(token: string, audience: string): Promise<TokenVerification> {
    try {
      const { payload } = await jwtVerify(token, this.#publicKey, {
        algorithms: ['RS256'],
        issuer: [this.issuerFor(1), this.issuerFor(2)],
        audience,
        requiredClaims: ['exp'],
      });
      const principal = typeof payload.oid === 'string' ? payload.oid : payload.sub;
      return principal ? { principal } : { error: 'token has neither oid nor sub' };
    } catch (error) {
      return { error: describeVerificationFailure(error) };
    }
  }
}

function describeVerificationFailure(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'token expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `token claim '${error.claim}' is invalid: ${error.reason}`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'token algorithm is not RS256';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'token signature is invalid';
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) return 'token is malformed';
  if (error instanceof joseErrors.JOSEError) return `token is invalid (${error.code})`;
  return 'token is malformed';
}

const issuersByBaseUrl = new Map<string, LocalIdp>();

/** Generates a fresh RSA key pair; every emulator start gets its own, so old tokens stop working. */
export async function createLocalIdp(baseUrl: string): Promise<LocalIdp> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const authority = `${baseUrl.replace(/\/+$/, '')}/idp`;
  const idp = new RsaLocalIdp(authority, kid, { ...publicJwk, kid, use: 'sig', alg: 'RS256' }, privateKey, publicKey);
  issuersByBaseUrl.set(baseUrl.replace(/\/+$/, ''), idp);
  return idp;
}

/** Mounts the IdP created for `context.baseUrl` by `createLocalIdp`. */
export function mount(router: Router, context: EmulatorContext): LocalIdp {
  const idp = issuersByBaseUrl.get(context.baseUrl.replace(/\/+$/, ''));
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

/** The discovery document of the tenant's v1 or v2 endpoint, as Entra publishes it. */
function discoveryDocument(idp: LocalIdp, version: TokenVersion): Record<string, unknown> {
  const tenant = `${idp.authority}/${idp.tenantId}`;
  const v2 = version === 2 ? '/v2.0' : '';
  return {
    issuer: idp.issuerFor(version),
    jwks_uri: `${tenant}/discovery${v2}/keys`,
    token_endpoint: version === 2 ? `${tenant}/oauth2/v2.0/token` : `${tenant}/oauth2/token`,
    response_types_supported: ['code', 'id_token', 'code id_token', 'token id_token', 'token'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    grant_types_supported: ['client_credentials'],
    tenant_region_scope: 'NA',
    claims_supported: ['sub', 'oid', 'tid', 'iss', 'aud', 'exp', 'iat', 'nbf', 'name', version === 2 ? 'preferred_username' : 'upn', 'roles', 'scp', 'ver'],
  };
}

export function mountIdp(router: Router, idp: LocalIdp): void {
  const tenant = '/idp/{tenantId}';
  const forTenant =
    (answer: () => EmulatorResponse) =>
    (request: EmulatorRequest): EmulatorResponse =>
      (request.params['tenantId'] ?? '').toLowerCase() === idp.tenantId
        ? answer()
        : oauthError('invalid_tenant', `Tenant '${request.params['tenantId'] ?? ''}' not found.`, 400);

  router.add('GET', `${tenant}/.well-known/openid-configuration`, forTenant(() => ({ status: 200, body: discoveryDocument(idp, 1) })));
  router.add('GET', `${tenant}/v2.0/.well-known/openid-configuration`, forTenant(() => ({ status: 200, body: discoveryDocument(idp, 2) })));
  router.add('GET', `${tenant}/discovery/keys`, forTenant(() => ({ status: 200, body: idp.jwks })));
  router.add('GET', `${tenant}/discovery/v2.0/keys`, forTenant(() => ({ status: 200, body: idp.jwks })));

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

/** A GUID derived from a name, so the same user always gets the same `oid`. */
export function stableGuid(name: string): string {
  const hex = createHash('sha256').update(`aml-warden-local:${name.toLowerCase()}`).digest('hex');
  const variant = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function displayNameOf(user: string): string {
  const local = user.split('@')[0] ?? user;
  return local
    .split(/[._-]+/)
    .filter((part) => part.length > 0)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join(' ');
}

function formFieldsOf(request: EmulatorRequest): Record<string, string> {
  if (request.body && typeof request.body === 'object' && !Array.isArray(request.body) && !Buffer.isBuffer(request.body)) {
    return Object.fromEntries(Object.entries(request.body).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  }
  return Object.fromEntries(new URLSearchParams(request.rawBody.toString('utf8')));
}

function oauthError(error: string, description: string, status = 400): EmulatorResponse {
  return { status, headers: { 'cache-control': 'no-store' }, body: { error, error_description: description } };
}
