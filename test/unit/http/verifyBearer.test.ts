import { HttpRequest } from '@azure/functions';
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyBearer, type BearerAuth } from '../../../src/http/verifyBearer.js';
import { appErrorOf } from '../../helpers/appErrors.js';

const audience = 'api://aml-warden';

interface Idp {
  readonly auth: BearerAuth;
  readonly fetched: string[];
  fetchJson(url: string): Promise<unknown>;
  sign(claims: JWTPayload, options?: { expiresIn?: string | number; notBefore?: string | number; audience?: string; issuer?: string; key?: CryptoKey; kid?: string }): Promise<string>;
}

let signingKey: CryptoKey;
let otherKey: CryptoKey;
let publicJwk: Record<string, unknown>;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  signingKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
  otherKey = (await generateKeyPair('RS256')).privateKey;
});

/** A token issuer of its own per test (the key-set cache is per issuer), serving discovery and JWKS through the injected fetch. */
function newIdp(options: { jwksOverride?: boolean; failFetches?: number } = {}): Idp {
  const issuer = `https://127.0.0.1:7443/idp-${randomUUID()}`;
  const jwksUrl = `${issuer}/discovery/v2.0/keys`;
  const fetched: string[] = [];
  let failuresLeft = options.failFetches ?? 0;
  return {
    auth: { issuer, audience, ...(options.jwksOverride ? { jwksUrl } : {}) },
    fetched,
    async fetchJson(url) {
      fetched.push(url);
      if (failuresLeft > 0) {
        failuresLeft--;
        throw new Error('connect ECONNREFUSED');
      }
      if (url === `${issuer}/.well-known/openid-configuration`) return { issuer, jwks_uri: jwksUrl };
      if (url === jwksUrl) return { keys: [publicJwk] };
      throw new Error(`unexpected fetch ${url}`);
    },
    async sign(claims, signOptions = {}) {
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: signOptions.kid ?? 'key-1' })
        .setIssuer(signOptions.issuer ?? issuer)
        .setAudience(signOptions.audience ?? audience)
        .setIssuedAt()
        .setNotBefore(signOptions.notBefore ?? '0s')
        .setExpirationTime(signOptions.expiresIn ?? '10m')
        .sign(signOptions.key ?? signingKey);
    },
  };
}

const requestWith = (authorization?: string) =>
  new HttpRequest({
    method: 'GET',
    url: 'http://127.0.0.1:7071/api/compute-requests',
    headers: authorization === undefined ? {} : { authorization },
  });


const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('verifyBearer', () => {
  it('accepts a valid RS256 token and returns oid, preferred_username and roles', async () => {
    const idp = newIdp();
    const token = await idp.sign({ sub: 'sub-1', oid: 'oid-1', preferred_username: 'alice@contoso.com', name: 'Alice', roles: ['ComputeRequester', 7] });
    const principal = await verifyBearer(requestWith(`Bearer ${token}`), idp.auth, (url) => idp.fetchJson(url));
    expect(principal).toEqual({ id: 'oid-1', name: 'alice@contoso.com', roles: ['ComputeRequester'] });
  });

  it('falls back to sub, upn and name when oid or preferred_username are absent', async () => {
    const idp = newIdp();
    const fetchJson = (url: string) => idp.fetchJson(url);
    const withUpn = await idp.sign({ sub: 'sub-2', upn: 'bob@contoso.com', name: 'Bob' });
    expect(await verifyBearer(requestWith(`Bearer ${withUpn}`), idp.auth, fetchJson)).toEqual({ id: 'sub-2', name: 'bob@contoso.com', roles: [] });
    const withName = await idp.sign({ sub: 'sub-3', name: 'Carol' });
    expect((await verifyBearer(requestWith(`bearer ${withName}`), idp.auth, fetchJson)).name).toBe('Carol');
  });

  it('finds the keys through the issuer discovery document once, then serves them from cache', async () => {
    const idp = newIdp();
    const fetchJson = (url: string) => idp.fetchJson(url);
    for (let i = 0; i < 3; i++) await verifyBearer(requestWith(`Bearer ${await idp.sign({ sub: `u${i}` })}`), idp.auth, fetchJson);
    expect(idp.fetched).toEqual([`${idp.auth.issuer}/.well-known/openid-configuration`, `${idp.auth.issuer}/discovery/v2.0/keys`]);
  });

  it('uses the JWKS override without reading the discovery document', async () => {
    const idp = newIdp({ jwksOverride: true });
    await verifyBearer(requestWith(`Bearer ${await idp.sign({ sub: 'u' })}`), idp.auth, (url) => idp.fetchJson(url));
    expect(idp.fetched).toEqual([`${idp.auth.issuer}/discovery/v2.0/keys`]);
  });

  it('refuses a request without an Authorization header (401, missing)', async () => {
    const idp = newIdp();
    const error = await appErrorOf(verifyBearer(requestWith(), idp.auth, (url) => idp.fetchJson(url)));
    expect(error.status).toBe(401);
    expect(error.message).toBe('missing bearer token');
    expect(idp.fetched).toEqual([]);
  });

  it('refuses a non-bearer scheme and garbage tokens', async () => {
    const idp = newIdp();
    const fetchJson = (url: string) => idp.fetchJson(url);
    expect((await appErrorOf(verifyBearer(requestWith('Basic dXNlcjpwYXNz'), idp.auth, fetchJson))).message).toContain('not a bearer token');
    expect((await appErrorOf(verifyBearer(requestWith('Bearer not-a-jwt'), idp.auth, fetchJson))).message).toBe('token is malformed');
  });

  it('refuses an expired token', async () => {
    const idp = newIdp();
    const token = await idp.sign({ sub: 'u' }, { expiresIn: Math.floor(Date.now() / 1000) - 3600 });
    const error = await appErrorOf(verifyBearer(requestWith(`Bearer ${token}`), idp.auth, (url) => idp.fetchJson(url)));
    expect(error.code).toBe('Unauthorized');
    expect(error.message).toBe('token has expired');
  });

  it('refuses a token that is not valid yet', async () => {
    const idp = newIdp();
    const token = await idp.sign({ sub: 'u' }, { notBefore: '1h', expiresIn: '2h' });
    expect((await appErrorOf(verifyBearer(requestWith(`Bearer ${token}`), idp.auth, (url) => idp.fetchJson(url)))).message).toBe(
      'token is not yet valid',
    );
  });

  it('refuses a token for another audience', async () => {
    const idp = newIdp();
    const token = await idp.sign({ sub: 'u' }, { audience: 'https://management.azure.com' });
    const error = await appErrorOf(verifyBearer(requestWith(`Bearer ${token}`), idp.auth, (url) => idp.fetchJson(url)));
    expect(error.status).toBe(401);
    expect(error.message).toBe('token audience is not accepted');
  });

  it('refuses a token from another issuer', async () => {
    const idp = newIdp();
    const token = await idp.sign({ sub: 'u' }, { issuer: 'https://127.0.0.1:7443/elsewhere' });
    expect((await appErrorOf(verifyBearer(requestWith(`Bearer ${token}`), idp.auth, (url) => idp.fetchJson(url)))).message).toBe(
      'token issuer is not trusted',
    );
  });

  it('refuses an unsigned token (alg: none) before looking up any key', async () => {
    const idp = newIdp();
    const now = Math.floor(Date.now() / 1000);
    const token = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: 'u', iss: idp.auth.issuer, aud: audience, exp: now + 600 })}.`;
    const error = await appErrorOf(verifyBearer(requestWith(`Bearer ${token}`), idp.auth, (url) => idp.fetchJson(url)));
    expect(error.status).toBe(401);
    expect(error.message).toContain('algorithm none is not accepted');
    expect(idp.fetched).toEqual([]);
  });

  it('refuses an HMAC-signed token', async () => {
    const idp = newIdp();
    const token = await new SignJWT({ sub: 'u' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(idp.auth.issuer)
      .setAudience(audience)
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode('a-shared-secret-of-enough-length-000'));
    expect((await appErrorOf(verifyBearer(requestWith(`Bearer ${token}`), idp.auth, (url) => idp.fetchJson(url)))).message).toContain(
      'algorithm HS256 is not accepted',
    );
  });

  it('refuses a token signed by a key the issuer does not publish', async () => {
    const idp = newIdp();
    const forged = await idp.sign({ sub: 'u' }, { key: otherKey });
    expect((await appErrorOf(verifyBearer(requestWith(`Bearer ${forged}`), idp.auth, (url) => idp.fetchJson(url)))).message).toBe(
      'token signature is invalid',
    );
    const unknownKid = await idp.sign({ sub: 'u' }, { key: otherKey, kid: 'key-2' });
    expect((await appErrorOf(verifyBearer(requestWith(`Bearer ${unknownKid}`), idp.auth, (url) => idp.fetchJson(url)))).message).toBe(
      'token signing key is unknown',
    );
  });

  it('refuses a token that names no subject', async () => {
    const idp = newIdp();
    const token = await idp.sign({ name: 'nobody' });
    expect((await appErrorOf(verifyBearer(requestWith(`Bearer ${token}`), idp.auth, (url) => idp.fetchJson(url)))).message).toContain(
      'no subject',
    );
  });

  it('answers 503 when the keys cannot be loaded, and tries again on the next request', async () => {
    const idp = newIdp({ failFetches: 1 });
    const fetchJson = (url: string) => idp.fetchJson(url);
    const token = await idp.sign({ sub: 'u' });
    const error = await appErrorOf(verifyBearer(requestWith(`Bearer ${token}`), idp.auth, fetchJson));
    expect(error.code).toBe('UpstreamTransient');
    expect(error.status).toBe(503);
    expect((await verifyBearer(requestWith(`Bearer ${token}`), idp.auth, fetchJson)).id).toBe('u');
  });

  it('refuses a discovery document without a jwks_uri as an upstream fault', async () => {
    const idp = newIdp();
    const error = await appErrorOf(
      verifyBearer(requestWith(`Bearer ${await idp.sign({ sub: 'u' })}`), idp.auth, async () => ({ issuer: idp.auth.issuer })),
    );
    expect(error.code).toBe('UpstreamPermanent');
  });
});
