import { UnsecuredJWT, decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_TENANT_ID, PLAYGROUND_API, audienceOfScope, bearerTokenOf, createLocalIdp, stableGuid } from '../../../dev/emulator/idp.js';
import type { LocalIdp } from '../../../dev/emulator/idp.js';

const BASE = 'https://127.0.0.1:7443';

describe('audienceOfScope', () => {
  it('turns a .default scope into its resource, without trailing slashes', () => {
    expect(audienceOfScope('https://vault.azure.net/.default')).toBe('https://vault.azure.net');
    expect(audienceOfScope('https://management.azure.com//.default')).toBe('https://management.azure.com');
    expect(audienceOfScope('499b84ac-1321-427f-aa17-267ca6975798/.default')).toBe('499b84ac-1321-427f-aa17-267ca6975798');
    expect(audienceOfScope('openid profile api://aml-warden/.default')).toBe('api://aml-warden');
  });

  it('has no audience for scopes that are not .default', () => {
    expect(audienceOfScope('User.Read')).toBeUndefined();
    expect(audienceOfScope('/.default')).toBeUndefined();
  });
});

describe('stableGuid', () => {
  it('is a GUID that depends only on the name, ignoring case', () => {
    expect(stableGuid('Requester@Contoso.com')).toBe(stableGuid('requester@contoso.com'));
    expect(stableGuid('requester@contoso.com')).not.toBe(stableGuid('approver@contoso.com'));
    expect(stableGuid('x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('bearerTokenOf', () => {
  it('reads the token of a Bearer authorization header only', () => {
    expect(bearerTokenOf({ authorization: 'Bearer abc.def.ghi' })).toBe('abc.def.ghi');
    expect(bearerTokenOf({ authorization: 'bearer abc' })).toBe('abc');
    expect(bearerTokenOf({ authorization: 'Basic Zm9vOmJhcg==' })).toBeUndefined();
    expect(bearerTokenOf({})).toBeUndefined();
  });
});

describe('local identity provider', () => {
  let idp: LocalIdp;
  beforeAll(async () => {
    idp = await createLocalIdp(BASE);
  });

  it('mints v2.0 user tokens as Entra ID issues them: tenant v2.0 issuer, the API client ID as audience, azp and scp', async () => {
    const token = await idp.mintAccessToken({ audience: PLAYGROUND_API.clientId, version: 2, user: 'jane.doe@contoso.com', clientId: 'console-app', roles: ['ComputeRequester'] });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      iss: `${BASE}/idp/${LOCAL_TENANT_ID}/v2.0`,
      aud: PLAYGROUND_API.clientId,
      ver: '2.0',
      tid: LOCAL_TENANT_ID,
      azp: 'console-app',
      scp: 'access_as_user',
      preferred_username: 'jane.doe@contoso.com',
      name: 'Jane Doe',
      roles: ['ComputeRequester'],
      oid: stableGuid('jane.doe@contoso.com'),
    });
    expect(claims).not.toHaveProperty('appid');
    expect(claims).not.toHaveProperty('idtyp');
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect(claims.nbf).toBe(claims.iat);
    expect(await idp.verifyToken(token, PLAYGROUND_API.clientId)).toEqual({ principal: stableGuid('jane.doe@contoso.com') });
  });

  it('mints v1.0 user tokens as Entra ID issues them: the sts issuer with a trailing slash, appid, upn and scp', async () => {
    const token = await idp.mintAccessToken({ audience: PLAYGROUND_API.appIdUri, version: 1, user: 'jane.doe@contoso.com', clientId: 'console-app' });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      iss: `${BASE}/idp/sts/${LOCAL_TENANT_ID}/`,
      aud: PLAYGROUND_API.appIdUri,
      ver: '1.0',
      appid: 'console-app',
      scp: 'access_as_user',
      upn: 'jane.doe@contoso.com',
      unique_name: 'jane.doe@contoso.com',
    });
    expect(claims).not.toHaveProperty('azp');
    expect(claims).not.toHaveProperty('preferred_username');
    expect(await idp.verifyToken(token, PLAYGROUND_API.appIdUri)).toEqual({ principal: stableGuid('jane.doe@contoso.com') });
  });

  it('mints app-only tokens without scp and with idtyp app, naming the application in appid or azp', async () => {
    const v1 = decodeJwt(await idp.mintAccessToken({ audience: PLAYGROUND_API.appIdUri, version: 1, subject: 'sp-object-id', clientId: 'daemon', roles: ['ComputeApprover'] }));
    const v2 = decodeJwt(await idp.mintAccessToken({ audience: PLAYGROUND_API.clientId, version: 2, subject: 'sp-object-id', clientId: 'daemon', roles: ['ComputeApprover'] }));
    for (const claims of [v1, v2]) {
      expect(claims).toMatchObject({ idtyp: 'app', oid: 'sp-object-id', sub: 'sp-object-id', roles: ['ComputeApprover'] });
      expect(claims).not.toHaveProperty('scp');
    }
    expect(v1).toMatchObject({ appid: 'daemon', ver: '1.0' });
    expect(v2).toMatchObject({ azp: 'daemon', ver: '2.0' });
  });

  it("mints another tenant's token under that tenant's issuer, which it does not verify", async () => {
    const foreign = await idp.mintAccessToken({ audience: PLAYGROUND_API.clientId, version: 2, user: 'eve@fabrikam.com', tenantId: '99999999-9999-4999-8999-999999999999' });
    expect(decodeJwt(foreign)).toMatchObject({ iss: `${BASE}/idp/99999999-9999-4999-8999-999999999999/v2.0`, tid: '99999999-9999-4999-8999-999999999999' });
    expect(await idp.verifyToken(foreign, PLAYGROUND_API.clientId)).toHaveProperty('error');
  });

  it('issues an already expired token for a negative lifetime, and verification rejects it', async () => {
    const token = await idp.mintAccessToken({ audience: 'api://aml-warden', user: 'late@contoso.com', expiresInSeconds: -60 });
    const claims = decodeJwt(token);
    expect(claims.exp! * 1000).toBeLessThan(Date.now());
    expect(claims.iat!).toBeLessThan(claims.exp!);
    expect(await idp.verifyToken(token, 'api://aml-warden')).toEqual({ error: 'token expired' });
  });

  it('rejects unsigned tokens, tokens from another key and tokens from another issuer', async () => {
    const unsigned = new UnsecuredJWT({ oid: 'x' }).setIssuer(idp.issuerFor(1)).setAudience('api://aml-warden').setExpirationTime('1h').encode();
    expect(await idp.verifyToken(unsigned, 'api://aml-warden')).toHaveProperty('error');

    const impostor = await createLocalIdp(BASE);
    const forged = await impostor.mintAccessToken({ audience: 'api://aml-warden', user: 'mallory@contoso.com' });
    expect(await idp.verifyToken(forged, 'api://aml-warden')).toEqual({ error: 'token signature is invalid' });

    const elsewhere = await createLocalIdp('https://127.0.0.1:9999');
    const foreign = await elsewhere.mintAccessToken({ audience: 'api://aml-warden' });
    expect(await idp.verifyToken(foreign, 'api://aml-warden')).toHaveProperty('error');
    expect(await idp.verifyToken('not-a-token', 'api://aml-warden')).toEqual({ error: 'token is malformed' });
  });

  it('publishes only the public half of its key, with the kid tokens carry', async () => {
    const [key] = idp.jwks.keys;
    expect(key).toMatchObject({ kty: 'RSA', kid: idp.kid, alg: 'RS256' });
    expect(key).not.toHaveProperty('d');
    expect(key).not.toHaveProperty('p');
  });
});
