/**
 * Local identity provider: issues and verifies RS256 tokens shaped like Entra ID's, under `/idp`.
 *
 * `server.ts` creates one per emulator with `createLocalIdp(baseUrl)`, builds its context's
 * `verifyToken` from it and mounts the routes with `mountIdp(router, idp)` (or `mount(router, context)`,
 * which finds the IdP created for `context.baseUrl`). The IdP holds no per-request state: nothing to reset.
 *
 * Routes: `GET /idp/.well-known/openid-configuration`, `GET /idp/discovery/v2.0/keys` (JWKS),
 * `POST /idp/token` (client credentials, form body, `scope=<resource>/.default`),
 * `POST /idp/dev/token` (JSON `{user, roles?, audience?, expiresInSeconds?, notBeforeSeconds?}` → a user token).
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignJWT, calculateJwkThumbprint, errors as joseErrors, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { z } from 'zod';
import type { EmulatorContext } from './context.js';
import type { EmulatorRequest, EmulatorResponse, Router } from './router.js';

/** The audience user tokens get when the caller names none: the app's own API. */
export const DEFAULT_USER_AUDIENCE = 'api://aml-warden';
/** Tenant id stamped into every token (`tid`); local only. */
export const LOCAL_TENANT_ID = '00000000-0000-4000-8000-00000000a11e';
/** Subject of client-credential tokens when the request names no `client_id`. */
export const DEFAULT_CLIENT_ID = 'aml-warden-local';
const TOKEN_LIFETIME_SECONDS = 3600;

export interface MintOptions {
  readonly audience: string;
  /** `sub` (and `oid` when there is no `user`); defaults to the user's `oid`, or `aml-warden-local`. */
  readonly subject?: string;
  readonly roles?: readonly string[];
  /** A user principal name: adds `preferred_username`, `name`, and an `oid` stable per user. */
  readonly user?: string;
  /** Lifetime from now; negative gives an already expired token. Default 3600. */
  readonly expiresInSeconds?: number;
  /** `nbf` relative to now; positive gives a token not valid yet. Default 0. */
  readonly notBeforeSeconds?: number;
  /** Extra claims (e.g. `appid`, `idtyp`); never overrides the standard ones. */
  readonly extraClaims?: Readonly<Record<string, unknown>>;
}

export type TokenVerification = { principal: string } | { error: string };

export interface LocalIdp {
  /** `${baseUrl}/idp`. */
  readonly issuer: string;
  readonly jwks: { readonly keys: readonly JWK[] };
  readonly kid: string;
  verifyToken(token: string, audience: string): Promise<TokenVerification>;
  mintAccessToken(options: MintOptions): Promise<string>;
}

class RsaLocalIdp implements LocalIdp {
  readonly issuer: string;
  readonly jwks: { readonly keys: readonly JWK[] };
  readonly kid: string;
  readonly #privateKey: CryptoKey;
  readonly #publicKey: CryptoKey;

  constructor(issuer: string, kid: string, publicJwk: JWK, privateKey: CryptoKey, publicKey: CryptoKey) {
    this.issuer = issuer;
    this.kid = kid;
    this.jwks = { keys: [publicJwk] };
    this.#privateKey = privateKey;
    this.#publicKey = publicKey;
  }

  async mintAccessToken(options: MintOptions): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const lifetime = options.expiresInSeconds ?? TOKEN_LIFETIME_SECONDS;
    const expiresAt = now + lifetime;
    // An already expired token must still look issued in the past, as a real one would.
    const issuedAt = lifetime > 0 ? now : expiresAt - TOKEN_LIFETIME_SECONDS;
    const notBefore = options.notBeforeSeconds === undefined ? issuedAt : now + options.notBeforeSeconds;
    // Users get a GUID like Entra's; applications are named by their client id, which reads well in call logs.
    const oid = options.user ? stableGuid(options.user) : (options.subject ?? DEFAULT_CLIENT_ID);
    const claims: Record<string, unknown> = {
      ...options.extraClaims,
      tid: LOCAL_TENANT_ID,
      oid,
      ver: '2.0',
      ...(options.roles && options.roles.length > 0 ? { roles: [...options.roles] } : {}),
      ...(options.user ? { preferred_username: options.user, name: displayNameOf(options.user) } : {}),
    };
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.kid })
      .setIssuer(this.issuer)
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
        issuer: this.issuer,
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
  const issuer = `${baseUrl.replace(/\/+$/, '')}/idp`;
  const idp = new RsaLocalIdp(issuer, kid, { ...publicJwk, kid, use: 'sig', alg: 'RS256' }, privateKey, publicKey);
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

const devTokenRequest = z.object({
  user: z.string().trim().min(1, 'user is required'),
  roles: z.array(z.string().min(1)).optional(),
  audience: z.string().min(1).optional(),
  expiresInSeconds: z.number().int().optional(),
  notBeforeSeconds: z.number().int().optional(),
});

export function mountIdp(router: Router, idp: LocalIdp): void {
  router.add('GET', '/idp/.well-known/openid-configuration', () => ({
    status: 200,
    body: {
      issuer: idp.issuer,
      jwks_uri: `${idp.issuer}/discovery/v2.0/keys`,
      token_endpoint: `${idp.issuer}/token`,
      response_types_supported: ['token'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      grant_types_supported: ['client_credentials'],
      claims_supported: ['sub', 'oid', 'tid', 'iss', 'aud', 'exp', 'iat', 'nbf', 'name', 'preferred_username', 'roles'],
    },
  }));

  router.add('GET', '/idp/discovery/v2.0/keys', () => ({ status: 200, body: idp.jwks }));

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
    const accessToken = await idp.mintAccessToken({
      audience,
      subject: clientId,
      extraClaims: { appid: clientId, azp: clientId, idtyp: 'app' },
    });
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
    const { user, roles, audience, expiresInSeconds, notBeforeSeconds } = parsed.data;
    const accessToken = await idp.mintAccessToken({
      audience: audience ?? DEFAULT_USER_AUDIENCE,
      user,
      ...(roles ? { roles } : {}),
      ...(expiresInSeconds === undefined ? {} : { expiresInSeconds }),
      ...(notBeforeSeconds === undefined ? {} : { notBeforeSeconds }),
      extraClaims: { idtyp: 'user', scp: 'access_as_user' },
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

function oauthError(error: string, description: string): EmulatorResponse {
  return { status: 400, headers: { 'cache-control': 'no-store' }, body: { error, error_description: description } };
}
