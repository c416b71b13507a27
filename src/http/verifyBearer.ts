/**
 * Bearer tokens for the HTTP API, validated as Microsoft Entra ID issues them for the API's app registration
 * (MicrosoftDocs/entra-docs `access-token-claims-reference.md`, `access-tokens.md`, `claims-validation.md`):
 *
 * - both token versions, chosen by the token's `ver` (the registration's `accessTokenAcceptedVersion` decides which
 *   a caller gets): v1.0 tokens carry the issuer `https://sts.windows.net/{tid}/` and an `aud` that is the App ID URI
 *   (with or without a trailing slash) or the client ID; v2.0 tokens carry `https://login.microsoftonline.com/{tid}/v2.0`
 *   and always the client ID;
 * - each version's issuer and keys come from the tenant's discovery document of that version
 *   (`{authority}/{tid}/.well-known/openid-configuration`, `{authority}/{tid}/v2.0/.well-known/openid-configuration`);
 * - RS256 only, signature, issuer, audience, expiry, not-before, and `tid` equal to the configured tenant;
 * - user (delegated) tokens carry `scp`; app-only tokens carry none (and `idtyp: app` when the registration asks for
 *   that optional claim), so the principal says which it is.
 *
 * Signing keys are cached per discovery document and re-read hourly, or when a token names a key we do not have;
 * at most once a minute either way. A failed re-read keeps the keys that were good until then, for up to a day, so a
 * short outage of the identity provider does not refuse valid tokens.
 */
import type { HttpRequest } from '@azure/functions';
import type { JSONWebKeySet, JWTPayload, JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { AppError, isAppError } from '../errors.js';
import type { Principal, TokenVerifier } from './principal.js';

/** Which tokens are accepted: the configuration's `AuthSettings`. */
export interface BearerAuth {
  readonly tenantId: string;
  readonly clientId: string;
  readonly appIdUri: string;
  readonly authority: string;
}

/** GETs a JSON document (the HTTP adapter: honours the configured CA and timeout). */
export type FetchJson = (url: string) => Promise<unknown>;

export interface BearerValidatorOptions {
  /** Clock in milliseconds (tests). */
  readonly now?: () => number;
}

type TokenVersion = '1.0' | '2.0';

// Tolerates small clock drift between the token issuer and this host.
const clockToleranceSeconds = 60;
const keySetTtlMs = 60 * 60 * 1000;
const keySetRefreshCooldownMs = 60 * 1000;
/** How long keys that were good stay in use while every re-read fails (Entra asks resources to re-check daily). */
const lastGoodKeysMaxAgeMs = 24 * 60 * 60 * 1000;

const discoveryDocument = z.object({ issuer: z.string().min(1), jwks_uri: z.url({ protocol: /^https$/ }) });
const jsonWebKeySet = z.object({ keys: z.array(z.looseObject({ kty: z.string() })) });

interface KeySet {
  readonly issuer: string;
  readonly getKey: JWTVerifyGetKey;
  readonly fetchedAt: number;
}

function unauthorized(reason: string): AppError {
  return new AppError('Unauthorized', reason, { target: 'headers.authorization', module: 'http' });
}

/** One discovery document's issuer and keys, with the refresh rules above. */
class TenantKeys {
  readonly #discoveryUrl: string;
  readonly #tenantId: string;
  readonly #fetchJson: FetchJson;
  readonly #now: () => number;
  #current: KeySet | undefined;
  #loading: Promise<KeySet> | undefined;
  #lastAttempt = Number.NEGATIVE_INFINITY;

  constructor(discoveryUrl: string, tenantId: string, fetchJson: FetchJson, now: () => number) {
    this.#discoveryUrl = discoveryUrl;
    this.#tenantId = tenantId;
    this.#fetchJson = fetchJson;
    this.#now = now;
  }

  /** The keys to verify with; `unknownKey` asks for a re-read because a token names a key we do not have. */
  async get(unknownKey: boolean): Promise<KeySet> {
    const now = this.#now();
    const current = this.#current;
    if (current !== undefined) {
      const age = now - current.fetchedAt;
      if (age < keySetTtlMs && !unknownKey) return current;
      // At most one re-read a minute, whatever asks: during an outage, requests are not each held up by a fetch.
      if (now - this.#lastAttempt < keySetRefreshCooldownMs && age < lastGoodKeysMaxAgeMs) return current;
    }
    this.#lastAttempt = now;
    this.#loading ??= this.#load().finally(() => {
      this.#loading = undefined;
    });
    try {
      this.#current = await this.#loading;
      return this.#current;
    } catch (error) {
      if (current !== undefined && now - current.fetchedAt < lastGoodKeysMaxAgeMs) return current;
      throw error;
    }
  }

  async #load(): Promise<KeySet> {
    const { createLocalJWKSet } = await import('jose');
    try {
      const discovery = discoveryDocument.safeParse(await this.#fetchJson(this.#discoveryUrl));
      if (!discovery.success) {
        throw new AppError('UpstreamPermanent', "the tenant's OpenID discovery document has no valid issuer and jwks_uri", {
          target: 'AML_WARDEN_AUTH_AUTHORITY',
          module: 'http',
        });
      }
      // A tenant's own document names it in its issuer; anything else is not the tenant configured.
      if (!discovery.data.issuer.toLowerCase().includes(this.#tenantId)) {
        throw new AppError('UpstreamPermanent', "the discovery document's issuer does not name the configured tenant", {
          target: 'AML_WARDEN_AUTH_TENANT_ID',
          module: 'http',
        });
      }
      const keySet = jsonWebKeySet.safeParse(await this.#fetchJson(discovery.data.jwks_uri));
      if (!keySet.success) {
        throw new AppError('UpstreamPermanent', "the tenant's key set is not a JWKS document", { target: 'AML_WARDEN_AUTH_AUTHORITY', module: 'http' });
      }
      const jwks: JSONWebKeySet = { keys: keySet.data.keys };
      return { issuer: discovery.data.issuer, getKey: createLocalJWKSet(jwks), fetchedAt: this.#now() };
    } catch (error) {
      if (isAppError(error)) throw error;
      throw new AppError('UpstreamTransient', 'could not load the token signing keys', { module: 'http', cause: error });
    }
  }
}

function bearerToken(request: HttpRequest): string {
  const header = request.headers.get('authorization');
  if (header === null || header.trim() === '') throw unauthorized('missing bearer token');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) throw unauthorized('the authorization header is not a bearer token');
  return match[1];
}

/** The `code` jose's errors carry (`ERR_JWT_EXPIRED`, ...); empty for anything else. */
function joseCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
}

function reasonFor(error: unknown): string {
  const code = joseCode(error);
  const claim = typeof error === 'object' && error !== null && 'claim' in error ? String(error.claim) : '';
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'token has expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (claim === 'aud') return 'token audience is not accepted';
      if (claim === 'iss') return 'token issuer is not trusted';
      if (claim === 'nbf') return 'token is not yet valid';
      return `token claim ${claim || 'validation'} failed`;
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'token algorithm is not accepted (RS256 only)';
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'token signature is invalid';
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'token signing key is unknown';
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'token signing key is ambiguous';
    default:
      return 'token is malformed';
  }
}

function text(payload: JWTPayload, claim: string): string | undefined {
  const value = payload[claim];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function principalFrom(payload: JWTPayload, version: TokenVersion): Principal {
  const id = text(payload, 'oid');
  if (id === undefined) throw unauthorized('token names no object id (oid)');
  const roles = Array.isArray(payload['roles']) ? payload['roles'].filter((role): role is string => typeof role === 'string') : [];
  // Delegated tokens carry scp; app-only tokens none, and idtyp "app" when the registration asks for it.
  const kind = text(payload, 'scp') !== undefined && text(payload, 'idtyp') !== 'app' ? 'user' : 'app';
  const name = version === '2.0' ? (text(payload, 'preferred_username') ?? text(payload, 'name')) : (text(payload, 'upn') ?? text(payload, 'unique_name') ?? text(payload, 'name'));
  return {
    id,
    name: name ?? id,
    roles,
    kind,
    tenantId: text(payload, 'tid') ?? '',
    appId: version === '2.0' ? text(payload, 'azp') : text(payload, 'appid'),
  };
}

/** Validates bearer tokens for one API registration; keeps the tenant's keys between calls. */
export class BearerValidator implements TokenVerifier {
  readonly #auth: BearerAuth;
  readonly #keys: Readonly<Record<TokenVersion, TenantKeys>>;

  constructor(auth: BearerAuth, fetchJson: FetchJson, options: BearerValidatorOptions = {}) {
    this.#auth = auth;
    const now = options.now ?? (() => Date.now());
    const tenant = `${auth.authority.replace(/\/+$/, '')}/${encodeURIComponent(auth.tenantId)}`;
    this.#keys = {
      '1.0': new TenantKeys(`${tenant}/.well-known/openid-configuration`, auth.tenantId.toLowerCase(), fetchJson, now),
      '2.0': new TenantKeys(`${tenant}/v2.0/.well-known/openid-configuration`, auth.tenantId.toLowerCase(), fetchJson, now),
    };
  }

  /**
   * Who the request's `Authorization: Bearer` token names. Any failure is a 401 with the reason; failing to load
   * the keys (with none good to fall back on) is `UpstreamTransient` (503).
   */
  async verify(request: HttpRequest): Promise<Principal> {
    const token = bearerToken(request);
    const { jwtVerify, decodeProtectedHeader, decodeJwt } = await import('jose');
    let algorithm: unknown;
    let claimed: JWTPayload;
    try {
      algorithm = decodeProtectedHeader(token).alg;
      claimed = decodeJwt(token);
    } catch {
      throw unauthorized('token is malformed');
    }
    // Checked before any key lookup so `alg: none` and HMAC tokens are refused outright.
    if (algorithm !== 'RS256') throw unauthorized(`token algorithm ${String(algorithm)} is not accepted (RS256 only)`);
    const version = claimed.ver === '1.0' || claimed.ver === '2.0' ? claimed.ver : undefined;
    if (version === undefined) throw unauthorized('token version (ver) is not 1.0 or 2.0');

    const { clientId } = this.#auth;
    const appIdUri = this.#auth.appIdUri.replace(/\/+$/, '');
    // v2.0 tokens are always for the client ID; v1.0 tokens name the App ID URI (with or without a slash) or the client ID.
    const audience = version === '2.0' ? [clientId] : [appIdUri, `${appIdUri}/`, clientId];
    const verifyWith = async (unknownKey: boolean): Promise<JWTPayload> => {
      const keys = await this.#keys[version].get(unknownKey);
      const options = { issuer: keys.issuer, audience, algorithms: ['RS256'], clockTolerance: clockToleranceSeconds, requiredClaims: ['exp', 'tid'] };
      return (await jwtVerify(token, keys.getKey, options)).payload;
    };
    let payload: JWTPayload | undefined;
    try {
      payload = await verifyWith(false);
    } catch (error) {
      if (isAppError(error)) throw error;
      if (joseCode(error) !== 'ERR_JWKS_NO_MATCHING_KEY') throw unauthorized(reasonFor(error));
    }
    if (payload === undefined) {
      // The token names a key we do not have: the tenant may have rotated its keys since we read them.
      try {
        payload = await verifyWith(true);
      } catch (error) {
        if (isAppError(error)) throw error;
        throw unauthorized(reasonFor(error));
      }
    }
    if (text(payload, 'tid')?.toLowerCase() !== this.#auth.tenantId.toLowerCase()) throw unauthorized('token is from another tenant');
    return principalFrom(payload, version);
  }
}
