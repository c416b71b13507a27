import { HttpRequest } from '@azure/functions';
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { BearerValidator, type BearerAuth } from '../../src/http/verifyBearer.js';
import { appErrorOf } from '../helpers/appErrors.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT_ID = '5f1d3a6e-2b7c-4e0a-9c1d-a11ce0a9e1de';
const APP_ID_URI = 'api://aml-warden';

let signingKey: CryptoKey;
let otherKey: CryptoKey;
let publicJwk: Record<string, unknown>;
let otherJwk: Record<string, unknown>;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  signingKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
  const other = await generateKeyPair('RS256');
  otherKey = other.privateKey;
  otherJwk = { ...(await exportJWK(other.publicKey)), kid: 'key-2', alg: 'RS256', use: 'sig' };
});

interface SignOptions {
  readonly version?: 1 | 2;
  readonly audience?: string;
  readonly issuer?: string;
  readonly expiresIn?: string | number;
  readonly notBefore?: string | number;
  readonly key?: CryptoKey;
  readonly kid?: string;
}

/**
 * An Entra-like tenant of its own per test: the v1 and v2 discovery documents (issuers as Entra writes them) and one
 * key set, served through the injected fetch, with a clock the test moves.
 */
function newTenant(options: { failFetches?: number } = {}) {
  const authority = `https://127.0.0.1:7443/idp-${randomUUID()}`;
  const issuers = { 1: `https://sts.windows.net/${TENANT}/`, 2: `https://login.microsoftonline.com/${TENANT}/v2.0` } as const;
  const fetched: string[] = [];
  const state = { failuresLeft: options.failFetches ?? 0, keys: [publicJwk], now: Date.parse('2026-12-01T10:00:00Z') };
  const auth: BearerAuth = { tenantId: TENANT, clientId: CLIENT_ID, appIdUri: APP_ID_URI, authority };
  const fetchJson = async (url: string): Promise<unknown> => {
    fetched.push(url);
    if (state.failuresLeft > 0) {
      state.failuresLeft -= 1;
      throw new Error('connect ECONNREFUSED');
    }
    if (url === `${authority}/${TENANT}/.well-known/openid-configuration`) return { issuer: issuers[1], jwks_uri: `${authority}/common/discovery/keys` };
    if (url === `${authority}/${TENANT}/v2.0/.well-known/openid-configuration`) return { issuer: issuers[2], jwks_uri: `${authority}/${TENANT}/discovery/v2.0/keys` };
    if (url.endsWith('/keys')) return { keys: state.keys };
    throw new Error(`unexpected fetch ${url}`);
  };
  const validator = new BearerValidator(auth, fetchJson, { now: () => state.now });
  const sign = (claims: JWTPayload, signOptions: SignOptions = {}) => {
    const version = signOptions.version ?? 2;
    return new SignJWT({ tid: TENANT, ver: version === 2 ? '2.0' : '1.0', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: signOptions.kid ?? 'key-1' })
      .setIssuer(signOptions.issuer ?? issuers[version])
      .setAudience(signOptions.audience ?? (version === 2 ? CLIENT_ID : APP_ID_URI))
      .setIssuedAt()
      .setNotBefore(signOptions.notBefore ?? '0s')
      .setExpirationTime(signOptions.expiresIn ?? '10m')
      .sign(signOptions.key ?? signingKey);
  };
  const verify = async (token: string) => validator.verify(requestWith(`Bearer ${token}`));
  return { auth, fetched, state, validator, sign, verify, authority };
}

const requestWith = (authorization?: string) =>
  new HttpRequest({
    method: 'GET',
    url: 'http://127.0.0.1:7071/api/compute-requests',
    headers: authorization === undefined ? {} : { authorization },
  });

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const user = { oid: 'oid-1', scp: 'access_as_user' };

describe('bearer tokens as Entra ID issues them for the API', () => {
  it('accepts a v2.0 user token for the client ID: oid, preferred_username, roles, azp, and kind user', async () => {
    const tenant = newTenant();
    const token = await tenant.sign({ ...user, sub: 'pairwise', preferred_username: 'alice@contoso.com', name: 'Alice', azp: 'console-app', roles: ['ComputeRequester', 7] });
    expect(await tenant.verify(token)).toEqual({ id: 'oid-1', name: 'alice@contoso.com', roles: ['ComputeRequester'], kind: 'user', tenantId: TENANT, appId: 'console-app' });
  });

  it('accepts a v1.0 user token for the App ID URI (with or without a trailing slash) or the client ID, naming the user by upn', async () => {
    const tenant = newTenant();
    for (const audience of [APP_ID_URI, `${APP_ID_URI}/`, CLIENT_ID]) {
      const token = await tenant.sign({ ...user, upn: 'bob@contoso.com', appid: 'cli-app' }, { version: 1, audience });
      expect(await tenant.verify(token), audience).toMatchObject({ id: 'oid-1', name: 'bob@contoso.com', kind: 'user', appId: 'cli-app' });
    }
  });

  it('refuses a v2.0 token for the App ID URI, which Entra never issues', async () => {
    const tenant = newTenant();
    const error = await appErrorOf(tenant.verify(await tenant.sign(user, { version: 2, audience: APP_ID_URI })));
    expect(error.status).toBe(401);
    expect(error.message).toBe('token audience is not accepted');
  });

  it("refuses a v1.0 token carrying the v2.0 issuer, and a v2.0 token carrying v1.0's", async () => {
    const tenant = newTenant();
    const v1WithV2Issuer = await tenant.sign(user, { version: 1, issuer: `https://login.microsoftonline.com/${TENANT}/v2.0` });
    expect((await appErrorOf(tenant.verify(v1WithV2Issuer))).message).toBe('token issuer is not trusted');
    const v2WithV1Issuer = await tenant.sign(user, { version: 2, issuer: `https://sts.windows.net/${TENANT}/` });
    expect((await appErrorOf(tenant.verify(v2WithV1Issuer))).message).toBe('token issuer is not trusted');
  });

  it('tells app-only tokens (no scp; idtyp app when present) from user tokens', async () => {
    const tenant = newTenant();
    expect((await tenant.verify(await tenant.sign({ oid: 'sp-1', roles: ['ComputeApprover'], azp: 'daemon' }))).kind).toBe('app');
    expect((await tenant.verify(await tenant.sign({ oid: 'sp-1', idtyp: 'app', roles: ['ComputeApprover'] }))).kind).toBe('app');
    // idtyp wins over a scp: a token that says it is an app token is one.
    expect((await tenant.verify(await tenant.sign({ oid: 'sp-1', idtyp: 'app', scp: 'x' }))).kind).toBe('app');
    expect((await tenant.verify(await tenant.sign({ oid: 'u-1', scp: 'access_as_user', idtyp: 'user' }))).kind).toBe('user');
  });

  it("refuses a token whose tid is another tenant's, even under this tenant's issuer and keys", async () => {
    const tenant = newTenant();
    const error = await appErrorOf(tenant.verify(await tenant.sign({ ...user, tid: '99999999-9999-4999-8999-999999999999' })));
    expect(error.status).toBe(401);
    expect(error.message).toBe('token is from another tenant');
  });

  it('refuses a token without ver, or with a version Entra does not issue', async () => {
    const tenant = newTenant();
    expect((await appErrorOf(tenant.verify(await tenant.sign({ ...user, ver: '3.0' })))).message).toBe('token version (ver) is not 1.0 or 2.0');
    expect((await appErrorOf(tenant.verify(await tenant.sign({ ...user, ver: undefined })))).message).toBe('token version (ver) is not 1.0 or 2.0');
  });

  it('refuses a token that names no object id', async () => {
    const tenant = newTenant();
    expect((await appErrorOf(tenant.verify(await tenant.sign({ scp: 'access_as_user', sub: 'pairwise' })))).message).toContain('no object id');
  });

  it("finds each version's issuer and keys through that version's discovery document once, then serves them from cache", async () => {
    const tenant = newTenant();
    for (let i = 0; i < 3; i++) await tenant.verify(await tenant.sign(user, { version: 2 }));
    await tenant.verify(await tenant.sign(user, { version: 1 }));
    expect(tenant.fetched).toEqual([
      `${tenant.authority}/${TENANT}/v2.0/.well-known/openid-configuration`,
      `${tenant.authority}/${TENANT}/discovery/v2.0/keys`,
      `${tenant.authority}/${TENANT}/.well-known/openid-configuration`,
      `${tenant.authority}/common/discovery/keys`,
    ]);
  });
});

describe('refused tokens', () => {
  it('refuses a request without an Authorization header (401, missing)', async () => {
    const tenant = newTenant();
    const error = await appErrorOf(tenant.validator.verify(requestWith()));
    expect(error.status).toBe(401);
    expect(error.message).toBe('missing bearer token');
    expect(tenant.fetched).toEqual([]);
  });

  it('refuses a non-bearer scheme and garbage tokens', async () => {
    const tenant = newTenant();
    expect((await appErrorOf(tenant.validator.verify(requestWith('Basic dXNlcjpwYXNz')))).message).toContain('not a bearer token');
    expect((await appErrorOf(tenant.validator.verify(requestWith('Bearer not-a-jwt')))).message).toBe('token is malformed');
  });

  it('refuses an expired token and one not valid yet', async () => {
    const tenant = newTenant();
    const expired = await tenant.sign(user, { expiresIn: Math.floor(Date.now() / 1000) - 3600 });
    expect(await appErrorOf(tenant.verify(expired))).toMatchObject({ code: 'Unauthorized', message: 'token has expired' });
    const early = await tenant.sign(user, { notBefore: '1h', expiresIn: '2h' });
    expect((await appErrorOf(tenant.verify(early))).message).toBe('token is not yet valid');
  });

  it('refuses a token for another audience', async () => {
    const tenant = newTenant();
    const error = await appErrorOf(tenant.verify(await tenant.sign(user, { audience: 'https://management.azure.com' })));
    expect(error.status).toBe(401);
    expect(error.message).toBe('token audience is not accepted');
  });

  it('refuses an unsigned token (alg: none) before looking up any key', async () => {
    const tenant = newTenant();
    const now = Math.floor(Date.now() / 1000);
    const token = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ ...user, ver: '2.0', tid: TENANT, iss: `https://login.microsoftonline.com/${TENANT}/v2.0`, aud: CLIENT_ID, exp: now + 600 })}.`;
    const error = await appErrorOf(tenant.verify(token));
    expect(error.status).toBe(401);
    expect(error.message).toContain('algorithm none is not accepted');
    expect(tenant.fetched).toEqual([]);
  });

  it('refuses an HMAC-signed token', async () => {
    const tenant = newTenant();
    const token = await new SignJWT({ ...user, ver: '2.0', tid: TENANT })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(`https://login.microsoftonline.com/${TENANT}/v2.0`)
      .setAudience(CLIENT_ID)
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode('a-shared-secret-of-enough-length-000'));
    expect((await appErrorOf(tenant.verify(token))).message).toContain('algorithm HS256 is not accepted');
  });

  it('refuses a token signed by a key the tenant does not publish', async () => {
    const tenant = newTenant();
    expect((await appErrorOf(tenant.verify(await tenant.sign(user, { key: otherKey })))).message).toBe('token signature is invalid');
    expect((await appErrorOf(tenant.verify(await tenant.sign(user, { key: otherKey, kid: 'key-2' })))).message).toBe('token signing key is unknown');
  });
});

describe('signing keys', () => {
  it('re-reads the keys when a token names a new one, so a rotation is followed', async () => {
    const tenant = newTenant();
    await tenant.verify(await tenant.sign(user));
    tenant.state.keys = [publicJwk, otherJwk];
    tenant.state.now += 2 * 60_000;
    expect((await tenant.verify(await tenant.sign(user, { key: otherKey, kid: 'key-2' }))).id).toBe('oid-1');
  });

  it('answers 503 when the keys cannot be loaded at all, and tries again on the next request', async () => {
    const tenant = newTenant({ failFetches: 1 });
    const token = await tenant.sign(user);
    const error = await appErrorOf(tenant.verify(token));
    expect(error.code).toBe('UpstreamTransient');
    expect(error.status).toBe(503);
    expect((await tenant.verify(token)).id).toBe('oid-1');
  });

  it('keeps the last good keys when a refresh fails, so valid tokens are still accepted during an outage', async () => {
    const tenant = newTenant();
    const token = await tenant.sign(user);
    await tenant.verify(token);
    tenant.state.now += 2 * 60 * 60_000;
    tenant.state.failuresLeft = 10;
    const fetchesBefore = tenant.fetched.length;
    expect((await tenant.verify(token)).id).toBe('oid-1');
    expect(tenant.fetched.length).toBeGreaterThan(fetchesBefore);
  });

  it('stops trusting keys it could not re-read for a day', async () => {
    const tenant = newTenant();
    const token = await tenant.sign(user);
    await tenant.verify(token);
    tenant.state.now += 25 * 60 * 60_000;
    tenant.state.failuresLeft = 10;
    expect((await appErrorOf(tenant.verify(token))).code).toBe('UpstreamTransient');
  });

  it('refuses a discovery document without a jwks_uri, or one for another tenant, as an upstream fault', async () => {
    const tenant = newTenant();
    const token = await tenant.sign(user);
    const noKeys = new BearerValidator(tenant.auth, async () => ({ issuer: `https://login.microsoftonline.com/${TENANT}/v2.0` }));
    expect((await appErrorOf(noKeys.verify(requestWith(`Bearer ${token}`)))).code).toBe('UpstreamPermanent');
    const otherTenant = new BearerValidator(tenant.auth, async () => ({ issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0', jwks_uri: 'https://127.0.0.1/keys' }));
    expect((await appErrorOf(otherTenant.verify(requestWith(`Bearer ${token}`)))).message).toContain('does not name the configured tenant');
  });
});
