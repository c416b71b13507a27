/**
 * An Entra ID-like tenant for unit tests of the HTTP edge: the API's auth settings, the tenant's v1/v2 discovery
 * documents and keys behind an injected `fetchJson`, and a signer that mints tokens as Entra shapes them.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type JWTPayload } from 'jose';
import type { BearerAuth, FetchJson } from '../../src/http/verifyBearer.js';

export const FAKE_TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const FAKE_CLIENT_ID = '5f1d3a6e-2b7c-4e0a-9c1d-a11ce0a9e1de';

export interface FakeTenant {
  readonly auth: BearerAuth;
  readonly fetchJson: FetchJson;
  /** A user token (v2 unless asked): `oid` from the name, `scp`, the roles. */
  userToken(user: string, roles: readonly string[], options?: { readonly version?: 1 | 2; readonly expiresAt?: number | string; readonly tenantId?: string }): Promise<string>;
  /** An app-only token (no `scp`, `idtyp: app`) for a service principal. */
  appToken(appName: string, roles: readonly string[], options?: { readonly version?: 1 | 2 }): Promise<string>;
  sign(claims: JWTPayload, options?: { readonly version?: 1 | 2; readonly expiresAt?: number | string; readonly audience?: string }): Promise<string>;
}

export async function fakeTenant(): Promise<FakeTenant> {
  const pair = await generateKeyPair('RS256');
  const jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' }] };
  const authority = `https://127.0.0.1:7443/idp-${randomUUID()}`;
  const issuers = { 1: `https://sts.windows.net/${FAKE_TENANT_ID}/`, 2: `https://login.microsoftonline.com/${FAKE_TENANT_ID}/v2.0` } as const;
  const auth: BearerAuth = { tenantId: FAKE_TENANT_ID, clientId: FAKE_CLIENT_ID, appIdUri: 'api://aml-warden', authority };
  const fetchJson: FetchJson = async (url) => {
    if (url === `${authority}/${FAKE_TENANT_ID}/.well-known/openid-configuration`) return { issuer: issuers[1], jwks_uri: `${authority}/keys` };
    if (url === `${authority}/${FAKE_TENANT_ID}/v2.0/.well-known/openid-configuration`) return { issuer: issuers[2], jwks_uri: `${authority}/keys` };
    if (url === `${authority}/keys`) return jwks;
    throw new Error(`unexpected fetch ${url}`);
  };
  const sign: FakeTenant['sign'] = (claims, options = {}) => {
    const version = options.version ?? 2;
    return new SignJWT({ tid: FAKE_TENANT_ID, ver: version === 2 ? '2.0' : '1.0', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(issuers[version])
      .setAudience(options.audience ?? (version === 2 ? FAKE_CLIENT_ID : auth.appIdUri))
      .setIssuedAt()
      .setExpirationTime(options.expiresAt ?? '10m')
      .sign(pair.privateKey);
  };
  return {
    auth,
    fetchJson,
    sign,
    userToken: (user, roles, options = {}) =>
      sign(
        {
          oid: `oid-${user}`,
          scp: 'access_as_user',
          roles: [...roles],
          ...(options.tenantId === undefined ? {} : { tid: options.tenantId }),
          ...((options.version ?? 2) === 2 ? { preferred_username: user } : { upn: user }),
        },
        options,
      ),
    appToken: (appName, roles, options = {}) => sign({ oid: `sp-${appName}`, idtyp: 'app', roles: [...roles], azp: `app-${appName}`, appid: `app-${appName}` }, options),
  };
}
