/**
 * The local identity provider's token issuer: one RSA key per emulator start, access tokens shaped like Entra ID's
 * in both versions, v2.0 ID tokens, and verification of what it issued. `idp.ts` mounts the HTTP endpoints on it.
 *
 * Access token shapes follow MicrosoftDocs/entra-docs `docs/identity-platform/access-token-claims-reference.md`:
 * - v1.0: `iss` `https://sts.windows.net/{tid}/` (here `<base>/idp/sts/{tid}/`), `aud` the API's App ID URI or
 *   client ID, the calling app in `appid`, user name in `upn`/`unique_name`, `ver` `1.0`;
 * - v2.0: `iss` `https://login.microsoftonline.com/{tid}/v2.0` (here `<base>/idp/{tid}/v2.0`), `aud` always the
 *   API's client ID, the calling app in `azp`, user name in `preferred_username`, `ver` `2.0`;
 * - user tokens carry `scp`; app-only tokens carry none, and `idtyp: app` (an optional claim the playground's API
 *   registration asks for: `optional-claims-reference.md`).
 * ID tokens follow `id-token-claims-reference.md` (v2.0).
 */
import { createHash, randomBytes } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, errors as joseErrors, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import type { CryptoKey, JWK } from 'jose';

/** Tenant of every token (`tid`); local only. */
export const LOCAL_TENANT_ID = '00000000-0000-4000-8000-00000000a11e';
/** The playground API's app registration: its client ID (v2 `aud`) and App ID URI (a v1 `aud`). */
export const PLAYGROUND_API = { clientId: '5f1d3a6e-2b7c-4e0a-9c1d-a11ce0a9e1de', appIdUri: 'api://aml-warden' } as const;
/** Subject of client-credential tokens when the request names no `client_id`. */
export const DEFAULT_CLIENT_ID = 'aml-warden-local';
/** The delegated scope the playground API exposes. */
export const PLAYGROUND_SCOPE = 'access_as_user';
/** Lifetime of access and ID tokens, in seconds (Entra's default is 60–90 minutes for access tokens, one hour for ID tokens). */
export const TOKEN_LIFETIME_SECONDS = 3600;

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
  /** The client is public (a single-page app redeeming a code without a secret): `azpacr`/`appidacr` `0`. */
  readonly publicClient?: boolean;
}

export interface IdTokenOptions {
  /** The application the user signed in to: the ID token's `aud`. */
  readonly clientId: string;
  /** The user's principal name. */
  readonly user: string;
  /** The `nonce` of the authorization request, echoed so the client can bind the token to its request. */
  readonly nonce?: string;
  /** The OpenID Connect scopes granted: `profile` adds `name`, `preferred_username` and `oid`; `email` adds `email`. */
  readonly scopes: readonly string[];
  /** The user's app roles on the client's own registration (present when the client is also the API, as the playground's is). */
  readonly roles?: readonly string[];
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
  /** The clock authorization codes and refresh tokens age by, in milliseconds (tests pass their own to `createLocalIdp`). */
  now(): number;
  verifyToken(token: string, audience: string): Promise<TokenVerification>;
  mintAccessToken(options: MintOptions): Promise<string>;
  mintIdToken(options: IdTokenOptions): Promise<string>;
}

export interface LocalIdpOptions {
  /** Milliseconds since the epoch; default `Date.now`. */
  readonly now?: () => number;
}

class RsaLocalIdp implements LocalIdp {
  readonly authority: string;
  readonly tenantId = LOCAL_TENANT_ID;
  readonly jwks: { readonly keys: readonly JWK[] };
  readonly kid: string;
  readonly #privateKey: CryptoKey;
  readonly #publicKey: CryptoKey;
  readonly #now: () => number;

  constructor(authority: string, kid: string, publicJwk: JWK, keys: { privateKey: CryptoKey; publicKey: CryptoKey }, now: () => number) {
    this.authority = authority;
    this.kid = kid;
    this.jwks = { keys: [publicJwk] };
    this.#privateKey = keys.privateKey;
    this.#publicKey = keys.publicKey;
    this.#now = now;
  }

  now(): number {
    return this.#now();
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
    const clientAuthentication = options.publicClient === true ? '0' : '1';
    const claims: Record<string, unknown> = {
      tid: tenantId,
      oid,
      ver: version === 2 ? '2.0' : '1.0',
      // How the client authenticated: 0 a public client (no secret, as a single-page app), 1 a client secret.
      ...(version === 2 ? { azp: clientId, azpacr: clientAuthentication } : { appid: clientId, appidacr: clientAuthentication }),
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

  async mintIdToken(options: IdTokenOptions): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const scopes = new Set(options.scopes.map((scope) => scope.toLowerCase()));
    const claims: Record<string, unknown> = {
      tid: this.tenantId,
      ver: '2.0',
      // A per-token identifier, like Entra's `uti` (the JWT `jti`).
      uti: randomBytes(16).toString('base64url'),
      ...(options.nonce === undefined ? {} : { nonce: options.nonce }),
      // `oid`, `name` and `preferred_username` need the profile scope; `email` the email scope.
      ...(scopes.has('profile') ? { oid: stableGuid(options.user), name: displayNameOf(options.user), preferred_username: options.user } : {}),
      ...(scopes.has('email') ? { email: options.user } : {}),
      ...(options.roles && options.roles.length > 0 ? { roles: [...options.roles] } : {}),
    };
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.kid })
      .setIssuer(this.issuerFor(2))
      .setAudience(options.clientId)
      // `sub` is pairwise: the same user has another subject in every application.
      .setSubject(pairwiseSubject(this.tenantId, options.clientId, options.user))
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + TOKEN_LIFETIME_SECONDS)
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
export async function createLocalIdp(baseUrl: string, options: LocalIdpOptions = {}): Promise<LocalIdp> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const authority = `${baseUrl.replace(/\/+$/, '')}/idp`;
  const idp = new RsaLocalIdp(authority, kid, { ...publicJwk, kid, use: 'sig', alg: 'RS256' }, { privateKey, publicKey }, options.now ?? (() => Date.now()));
  issuersByBaseUrl.set(baseUrl.replace(/\/+$/, ''), idp);
  return idp;
}

/** The IdP `createLocalIdp` made for a base URL, if any. */
export function localIdpFor(baseUrl: string): LocalIdp | undefined {
  return issuersByBaseUrl.get(baseUrl.replace(/\/+$/, ''));
}

/** A GUID derived from a name, so the same user always gets the same `oid`. */
export function stableGuid(name: string): string {
  const hex = createHash('sha256').update(`aml-warden-local:${name.toLowerCase()}`).digest('hex');
  const variant = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** `jane.doe@contoso.com` → `Jane Doe`: the display name every token of the user carries. */
export function displayNameOf(user: string): string {
  const local = user.split('@')[0] ?? user;
  return local
    .split(/[._-]+/)
    .filter((part) => part.length > 0)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join(' ');
}

/**
 * The `client_info` Entra returns when asked with `client_info=1` (as MSAL.js always asks): base64url JSON of the
 * user's object id and home tenant, from which MSAL.js builds the account's home id `{uid}.{utid}`.
 */
export function clientInfoOf(user: string, tenantId: string): string {
  return Buffer.from(JSON.stringify({ uid: stableGuid(user), utid: tenantId }), 'utf8').toString('base64url');
}

/** Entra's `sub` is opaque, base64url and unique per user, tenant and application. */
function pairwiseSubject(tenantId: string, clientId: string, user: string): string {
  return createHash('sha256').update(`aml-warden-local:sub:${tenantId}:${clientId.toLowerCase()}:${user.toLowerCase()}`).digest('base64url').slice(0, 43);
}
