import type { HttpRequest } from '@azure/functions';
import type { JSONWebKeySet, JWTPayload, JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { AppError, isAppError } from '../errors.js';
import type { Principal } from './principal.js';

/** How bearer tokens are validated: the trusted issuer (verbatim), the expected audience, and optionally where its keys are. */
export interface BearerAuth {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUrl?: string | undefined;
}

/** GETs a JSON document (the services' HTTP client: honours the configured CA and timeout). */
export type FetchJson = (url: string) => Promise<unknown>;

// Tolerates small clock drift between the token issuer and this host.
const clockToleranceSeconds = 60;
// Keys are re-read hourly, and at most once a minute when a token names a key we do not have (rotation).
const keySetTtlMs = 60 * 60 * 1000;
const keySetRefreshCooldownMs = 60 * 1000;

const discoveryDocument = z.object({ jwks_uri: z.url({ protocol: /^https?$/ }) });
const jsonWebKeySet = z.object({ keys: z.array(z.looseObject({ kty: z.string() })) });

interface CachedKeySet {
  readonly fetchedAt: number;
  readonly getKey: Promise<JWTVerifyGetKey>;
}

// Per JWKS source (issuer or override URL). Module scope: the keys are public, and every instance reads the same ones.
const keySets = new Map<string, CachedKeySet>();

function unauthorized(reason: string): AppError {
  return new AppError('Unauthorized', reason, { target: 'headers.authorization', module: 'http' });
}

async function loadKeySet(auth: BearerAuth, fetchJson: FetchJson): Promise<JWTVerifyGetKey> {
  const { createLocalJWKSet } = await import('jose');
  try {
    let jwksUrl = auth.jwksUrl;
    if (jwksUrl === undefined) {
      const discoveryUrl = `${auth.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
      const discovery = discoveryDocument.safeParse(await fetchJson(discoveryUrl));
      if (!discovery.success) {
        throw new AppError('UpstreamPermanent', 'the token issuer\'s discovery document has no valid jwks_uri', {
          target: 'AML_WARDEN_AUTH_ISSUER',
          module: 'http',
        });
      }
      jwksUrl = discovery.data.jwks_uri;
    }
    const keySet = jsonWebKeySet.safeParse(await fetchJson(jwksUrl));
    if (!keySet.success) {
      throw new AppError('UpstreamPermanent', 'the token issuer\'s key set is not a JWKS document', {
        target: 'AML_WARDEN_AUTH_JWKS_URL',
        module: 'http',
      });
    }
    const jwks: JSONWebKeySet = { keys: keySet.data.keys };
    return createLocalJWKSet(jwks);
  } catch (error) {
    if (isAppError(error)) throw error;
    throw new AppError('UpstreamTransient', 'could not load the token signing keys', { module: 'http', cause: error });
  }
}

function keySetFor(auth: BearerAuth, fetchJson: FetchJson, refresh: boolean): Promise<JWTVerifyGetKey> {
  const cacheKey = auth.jwksUrl ?? auth.issuer;
  const cached = keySets.get(cacheKey);
  const now = Date.now();
  const stale = cached === undefined || now - cached.fetchedAt > keySetTtlMs;
  const mayRefresh = refresh && cached !== undefined && now - cached.fetchedAt > keySetRefreshCooldownMs;
  if (!stale && !mayRefresh) return cached.getKey;
  const getKey = loadKeySet(auth, fetchJson);
  keySets.set(cacheKey, { fetchedAt: now, getKey });
  // A failed load is not cached: the next request tries again.
  getKey.catch(() => {
    if (keySets.get(cacheKey)?.getKey === getKey) keySets.delete(cacheKey);
  });
  return getKey;
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

function principalFrom(payload: JWTPayload): Principal {
  const text = (claim: string): string | undefined => {
    const value = payload[claim];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const id = text('oid') ?? text('sub');
  if (id === undefined) throw unauthorized('token names no subject (oid or sub)');
  const roles = Array.isArray(payload['roles'])
    ? payload['roles'].filter((role): role is string => typeof role === 'string')
    : [];
  return { id, name: text('preferred_username') ?? text('upn') ?? text('name') ?? id, roles };
}

/**
 * Validates the request's `Authorization: Bearer` token — RS256 signature against the issuer's
 * JWKS (from its OpenID discovery document, or `auth.jwksUrl`), issuer, audience, expiry and
 * not-before — and returns who it names. Any failure is a 401 with the reason; failing to load the
 * keys is `UpstreamTransient` (503).
 */
export async function verifyBearer(request: HttpRequest, auth: BearerAuth, fetchJson: FetchJson): Promise<Principal> {
  const token = bearerToken(request);
  const { jwtVerify, decodeProtectedHeader } = await import('jose');
  let algorithm: unknown;
  try {
    algorithm = decodeProtectedHeader(token).alg;
  } catch {
    throw unauthorized('token is malformed');
  }
  // Checked before any key lookup so `alg: none` and HMAC tokens are refused outright.
  if (algorithm !== 'RS256') throw unauthorized(`token algorithm ${String(algorithm)} is not accepted (RS256 only)`);

  const options = { issuer: auth.issuer, audience: auth.audience, algorithms: ['RS256'], clockTolerance: clockToleranceSeconds };
  const verifyWith = async (refreshKeys: boolean): Promise<Principal> =>
    principalFrom((await jwtVerify(token, await keySetFor(auth, fetchJson, refreshKeys), options)).payload);
  try {
    return await verifyWith(false);
  } catch (error) {
    if (isAppError(error)) throw error;
    if (joseCode(error) !== 'ERR_JWKS_NO_MATCHING_KEY') throw unauthorized(reasonFor(error));
  }
  // The token names a key we do not have: the issuer may have rotated its keys since we read them.
  try {
    return await verifyWith(true);
  } catch (error) {
    if (isAppError(error)) throw error;
    throw unauthorized(reasonFor(error));
  }
}
