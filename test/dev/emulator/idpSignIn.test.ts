/**
 * The playground identity provider's authorization code flow with PKCE, over HTTPS against a running emulator, driven
 * as MSAL.js and a browser drive Entra ID: discovery, `/authorize`, the account picker's form, the redirect with the
 * code, and the token endpoint; the access token is then checked by the app's own BearerValidator.
 */
import { HttpRequest } from '@azure/functions';
import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_TENANT_ID, PLAYGROUND_API, stableGuid } from '../../../dev/emulator/idp.js';
import { startEmulator, type RunningEmulator } from '../../../dev/emulator/server.js';
import { BearerValidator } from '../../../src/http/verifyBearer.js';
import { request, type HttpsResult } from '../../helpers/emulatorServices.js';
import { answerOf, errorPageMessage, pkcePair, readForm, submission, type PkcePair } from './signInDriver.js';

/** The console's address under the app on its default port: a registered `spa` redirect URI. */
const REDIRECT_URI = 'http://127.0.0.1:7071/api/console/';
const APP_ORIGIN = 'http://127.0.0.1:7071';
const API_SCOPE = 'api://aml-warden/access_as_user';
/** What MSAL.js asks for on sign-in: the API's scope and the OpenID Connect scopes it always adds. */
const MSAL_SCOPES = `${API_SCOPE} openid profile offline_access`;

let emulator: RunningEmulator;
let tenant: string;

beforeAll(async () => {
  emulator = await startEmulator({ seed: 'empty' });
  tenant = `${emulator.url}/idp/${LOCAL_TENANT_ID}`;
});

afterAll(async () => {
  await emulator.close();
});

interface AuthorizeOptions {
  readonly pkce?: PkcePair;
  readonly redirectUri?: string;
  readonly extra?: Record<string, string>;
  readonly omit?: readonly string[];
}

function authorizeUrl(options: AuthorizeOptions = {}): string {
  const parameters: Record<string, string> = {
    client_id: PLAYGROUND_API.clientId,
    scope: MSAL_SCOPES,
    redirect_uri: options.redirectUri ?? REDIRECT_URI,
    'client-request-id': '0b4a1f7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
    response_mode: 'fragment',
    response_type: 'code',
    'x-client-SKU': 'msal.js.browser',
    'x-client-VER': '5.29.0',
    client_info: '1',
    code_challenge: (options.pkce ?? pkcePair()).challenge,
    code_challenge_method: 'S256',
    nonce: 'nonce-0193f0a2',
    state: 'eyJpZCI6IjAxOTNmMGEyIn0=|/api/console/approvals',
    ...options.extra,
  };
  for (const name of options.omit ?? []) delete parameters[name];
  return `${tenant}/oauth2/v2.0/authorize?${new URLSearchParams(parameters).toString()}`;
}

/** Opens the picker and presses the button of `user` (or Cancel); the emulator's answer to the form. */
async function signInAs(user: string | 'cancel', options: AuthorizeOptions = {}): Promise<HttpsResult> {
  const url = authorizeUrl(options);
  const picker = await request(url, { ca: emulator.caPem });
  expect(picker.status).toBe(200);
  const form = readForm(picker.text, url);
  const button = form.buttons.find((candidate) => (user === 'cancel' ? candidate.name === 'cancel' : candidate.value === user));
  if (button === undefined) throw new Error(`the picker has no button for ${user}`);
  return request(form.action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: emulator.url },
    body: submission(form, button),
    ca: emulator.caPem,
  });
}

async function codeFor(user: string, options: AuthorizeOptions = {}): Promise<string> {
  const answer = answerOf(expectRedirect(await signInAs(user, options), options.redirectUri ?? REDIRECT_URI));
  const code = answer.get('code');
  if (code === null) throw new Error(`no code in the answer: ${answer.toString()}`);
  return code;
}

function expectRedirect(response: HttpsResult, redirectUri: string): string {
  expect(response.status).toBe(302);
  const location = response.headers.location;
  if (typeof location !== 'string') throw new Error('no Location header');
  expect(location.startsWith(redirectUri)).toBe(true);
  return location;
}

function tokenRequest(fields: Record<string, string>, headers: Record<string, string> = { origin: APP_ORIGIN }): Promise<HttpsResult> {
  return request(`${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    // MSAL.js's content type and headers (msal-common Token.ts createTokenRequestHeaders).
    headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8', ...headers },
    body: new URLSearchParams(fields).toString(),
    ca: emulator.caPem,
  });
}

/** The code redemption MSAL.js sends (msal-common AuthorizationCodeClient.createTokenRequestBody). */
function redeemFields(code: string, pkce: PkcePair, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    client_id: PLAYGROUND_API.clientId,
    redirect_uri: REDIRECT_URI,
    scope: MSAL_SCOPES,
    code,
    'x-client-SKU': 'msal.js.browser',
    'x-client-VER': '5.29.0',
    'x-ms-lib-capability': 'retry-after, h429',
    code_verifier: pkce.verifier,
    grant_type: 'authorization_code',
    client_info: '1',
    ...overrides,
  };
}

interface TokenAnswer {
  readonly token_type: string;
  readonly scope: string;
  readonly expires_in: number;
  readonly access_token: string;
  readonly refresh_token?: string;
  readonly id_token?: string;
  readonly client_info?: string;
}

interface EntraErrorAnswer {
  readonly error: string;
  readonly error_description: string;
  readonly error_codes: number[];
}

function expectEntraError(response: HttpsResult, error: string, code: number): EntraErrorAnswer {
  const body = response.json<EntraErrorAnswer>();
  expect(body.error).toBe(error);
  expect(body.error_codes).toEqual([code]);
  expect(body.error_description.startsWith(`AADSTS${code}: `)).toBe(true);
  return body;
}

const validator = (): BearerValidator =>
  new BearerValidator(
    { tenantId: LOCAL_TENANT_ID, clientId: PLAYGROUND_API.clientId, appIdUri: PLAYGROUND_API.appIdUri, authority: `${emulator.url}/idp` },
    async (url) => (await request(url, { ca: emulator.caPem })).json(),
  );

const apiCall = (token: string): HttpRequest =>
  new HttpRequest({ url: 'http://127.0.0.1:7071/api/compute-requests', method: 'GET', headers: { authorization: `Bearer ${token}` } });

describe('discovery for MSAL.js', () => {
  it('publishes the v2.0 authorization, token and logout endpoints, readable from any origin', async () => {
    const response = await request(`${tenant}/v2.0/.well-known/openid-configuration`, { ca: emulator.caPem, headers: { origin: APP_ORIGIN } });
    expect(response.status).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect(response.json()).toMatchObject({
      issuer: `${tenant}/v2.0`,
      authorization_endpoint: `${tenant}/oauth2/v2.0/authorize`,
      token_endpoint: `${tenant}/oauth2/v2.0/token`,
      end_session_endpoint: `${tenant}/oauth2/v2.0/logout`,
      jwks_uri: `${tenant}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    });
    const keys = await request(`${tenant}/discovery/v2.0/keys`, { ca: emulator.caPem, headers: { origin: APP_ORIGIN } });
    expect(keys.headers['access-control-allow-origin']).toBe('*');
  });
});

describe('the account picker', () => {
  it("lists the playground's users with their app roles, as labelled buttons of one form, and is never framed", async () => {
    const url = authorizeUrl({ extra: { login_hint: 'approver@contoso.com' } });
    const picker = await request(url, { ca: emulator.caPem });
    expect(picker.status).toBe(200);
    expect(picker.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(picker.headers['x-frame-options']).toBe('DENY');
    expect(picker.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    // The form's answer redirects to the application, which form-action must allow.
    expect(picker.headers['content-security-policy']).toContain(`form-action 'self' ${APP_ORIGIN}`);
    expect(picker.text).toContain('<html lang="en">');
    expect(picker.text).toMatch(/<h1 id="title">Pick an account<\/h1>/);

    const form = readForm(picker.text, url);
    expect(form.method).toBe('post');
    expect(form.action).toBe(`${tenant}/login`);
    expect(Object.keys(form.hiddenFields)).toEqual(['ctx']);
    expect(form.buttons.map(({ name, value, text }) => ({ name, value, text }))).toEqual([
      { name: 'login', value: 'requester@contoso.com', text: 'Requester requester@contoso.com App roles: ComputeRequester' },
      { name: 'login', value: 'approver@contoso.com', text: 'Approver approver@contoso.com App roles: ComputeApprover' },
      { name: 'login', value: 'ops@contoso.com', text: 'Ops ops@contoso.com App roles: Operator' },
      { name: 'cancel', value: '1', text: 'Cancel' },
    ]);
    // Every button is a submit button (keyboard: Tab and Enter); the hinted account has the focus.
    expect(form.buttons.every((button) => button.attributes['type'] === 'submit')).toBe(true);
    expect(form.buttons.filter((button) => 'autofocus' in button.attributes).map((button) => button.value)).toEqual(['approver@contoso.com']);
  });

  it('answers Cancel with access_denied and the state, as Entra answers a person who declines', async () => {
    const answer = answerOf(expectRedirect(await signInAs('cancel'), REDIRECT_URI));
    expect(answer.get('error')).toBe('access_denied');
    expect(answer.get('error_description')).toMatch(/^AADSTS65004: /);
    expect(answer.get('state')).toBe('eyJpZCI6IjAxOTNmMGEyIn0=|/api/console/approvals');
    expect(answer.get('code')).toBeNull();
  });

  it('completes a sign-in once: the same form submitted again is refused on the error page', async () => {
    const url = authorizeUrl();
    const picker = await request(url, { ca: emulator.caPem });
    const form = readForm(picker.text, url);
    const requester = form.buttons[0];
    if (requester === undefined) throw new Error('no account button');
    const post = () => request(form.action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: submission(form, requester), ca: emulator.caPem });
    expect((await post()).status).toBe(302);
    const again = await post();
    expect(again.status).toBe(400);
    expect(again.headers.location).toBeUndefined();
    expect(errorPageMessage(again.text)).toMatch(/^AADSTS50089: /);
  });
});

describe('sign-in with the authorization code flow and PKCE', () => {
  it('redirects with code, state and client_info in the fragment; the code redeems for tokens the API accepts with the picked user’s roles', async () => {
    const pkce = pkcePair();
    const location = expectRedirect(await signInAs('approver@contoso.com', { pkce }), REDIRECT_URI);
    expect(new URL(location).search).toBe('');
    const answer = answerOf(location);
    expect(answer.get('state')).toBe('eyJpZCI6IjAxOTNmMGEyIn0=|/api/console/approvals');
    const oid = stableGuid('approver@contoso.com');
    expect(JSON.parse(Buffer.from(answer.get('client_info') ?? '', 'base64url').toString('utf8'))).toEqual({ uid: oid, utid: LOCAL_TENANT_ID });

    const response = await tokenRequest(redeemFields(answer.get('code') ?? '', pkce));
    expect(response.status).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
    expect(response.headers['cache-control']).toBe('no-store');
    const tokens = response.json<TokenAnswer>();
    expect(tokens).toMatchObject({ token_type: 'Bearer', scope: API_SCOPE, expires_in: 3600 });
    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect(JSON.parse(Buffer.from(tokens.client_info ?? '', 'base64url').toString('utf8'))).toEqual({ uid: oid, utid: LOCAL_TENANT_ID });

    // The access token is the one the app accepts: its own validator, the tenant's published keys.
    const principal = await validator().verify(apiCall(tokens.access_token));
    expect(principal).toEqual({ id: oid, name: 'approver@contoso.com', roles: ['ComputeApprover'], kind: 'user', tenantId: LOCAL_TENANT_ID, appId: PLAYGROUND_API.clientId });
    expect(decodeJwt(tokens.access_token)).toMatchObject({ aud: PLAYGROUND_API.clientId, ver: '2.0', scp: 'access_as_user', azpacr: '0' });

    // The ID token: for the client, signed with the tenant's key, carrying the request's nonce.
    const jwks = (await request(`${tenant}/discovery/v2.0/keys`, { ca: emulator.caPem })).json<JSONWebKeySet>();
    const { payload } = await jwtVerify(tokens.id_token ?? '', createLocalJWKSet(jwks), { issuer: `${tenant}/v2.0`, audience: PLAYGROUND_API.clientId, algorithms: ['RS256'] });
    expect(payload).toMatchObject({ nonce: 'nonce-0193f0a2', oid, tid: LOCAL_TENANT_ID, preferred_username: 'approver@contoso.com', name: 'Approver', ver: '2.0', roles: ['ComputeApprover'] });
    expect(payload.sub).not.toBe(oid);
  });

  it('gives each picked user their own roles: a requester is not an approver', async () => {
    const pkce = pkcePair();
    const code = await codeFor('requester@contoso.com', { pkce });
    const tokens = (await tokenRequest(redeemFields(code, pkce))).json<TokenAnswer>();
    const principal = await validator().verify(apiCall(tokens.access_token));
    expect(principal).toMatchObject({ name: 'requester@contoso.com', roles: ['ComputeRequester'] });
  });

  it('redeems a code once: the second redemption is invalid_grant AADSTS54005', async () => {
    const pkce = pkcePair();
    const code = await codeFor('requester@contoso.com', { pkce });
    expect((await tokenRequest(redeemFields(code, pkce))).status).toBe(200);
    const again = await tokenRequest(redeemFields(code, pkce));
    expect(again.status).toBe(400);
    expect(again.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
    expectEntraError(again, 'invalid_grant', 54005);
  });

  it('refuses a verifier that does not answer the challenge: invalid_grant AADSTS501481', async () => {
    const pkce = pkcePair();
    const code = await codeFor('requester@contoso.com', { pkce });
    const response = await tokenRequest(redeemFields(code, pkce, { code_verifier: pkcePair().verifier }));
    expect(response.status).toBe(400);
    expectEntraError(response, 'invalid_grant', 501481);
  });

  it('refuses a redemption without the verifier, naming code_verifier', async () => {
    const pkce = pkcePair();
    const code = await codeFor('requester@contoso.com', { pkce });
    const fields = redeemFields(code, pkce);
    delete fields['code_verifier'];
    const body = expectEntraError(await tokenRequest(fields), 'invalid_request', 900144);
    expect(body.error_description).toContain("'code_verifier'");
  });

  it('refuses another redirect URI than the code was sent to: invalid_grant AADSTS50011', async () => {
    const pkce = pkcePair();
    const code = await codeFor('requester@contoso.com', { pkce });
    const response = await tokenRequest(redeemFields(code, pkce, { redirect_uri: 'http://127.0.0.1:7071/api/console/other' }));
    expect(response.status).toBe(400);
    const body = expectEntraError(response, 'invalid_grant', 50011);
    expect(body.error_description).toContain(REDIRECT_URI);
  });

  it('redeems codes sent to a single-page app only cross-origin, with an Origin header: AADSTS9002327', async () => {
    const pkce = pkcePair();
    const code = await codeFor('requester@contoso.com', { pkce });
    const response = await tokenRequest(redeemFields(code, pkce), {});
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    expectEntraError(response, 'invalid_request', 9002327);
    // Nothing was spent: the same code redeems from the browser.
    expect((await tokenRequest(redeemFields(code, pkce))).status).toBe(200);
  });

  it('refuses unknown codes, secrets from a public client and unknown applications', async () => {
    expectEntraError(await tokenRequest(redeemFields('not-a-code', pkcePair())), 'invalid_grant', 70000);
    const withSecret = await tokenRequest(redeemFields('not-a-code', pkcePair(), { client_secret: 's3cret' }));
    expect(withSecret.status).toBe(401);
    expectEntraError(withSecret, 'invalid_client', 700025);
    expectEntraError(await tokenRequest(redeemFields('not-a-code', pkcePair(), { client_id: '11111111-2222-4333-8444-555555555555' })), 'unauthorized_client', 700016);
    expectEntraError(await tokenRequest({ ...redeemFields('x', pkcePair()), grant_type: 'password' }), 'unsupported_grant_type', 70003);
  });

  it('answers the CORS preflight MSAL.js causes with X-AnchorMailbox', async () => {
    const response = await request(`${tenant}/oauth2/v2.0/token`, {
      method: 'OPTIONS',
      headers: { origin: APP_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-anchormailbox' },
      ca: emulator.caPem,
    });
    expect(response.status).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
    expect(response.headers['access-control-allow-methods']).toContain('POST');
    expect(response.headers['access-control-allow-headers']).toBe('content-type,x-anchormailbox');
  });

  it('renews with the refresh token: the same user and roles, and a new refresh token', async () => {
    const pkce = pkcePair();
    const code = await codeFor('ops@contoso.com', { pkce });
    const first = (await tokenRequest(redeemFields(code, pkce))).json<TokenAnswer>();
    const refreshFields = {
      client_id: PLAYGROUND_API.clientId,
      redirect_uri: REDIRECT_URI,
      scope: MSAL_SCOPES,
      grant_type: 'refresh_token',
      client_info: '1',
      refresh_token: first.refresh_token ?? '',
    };
    const renewed = await tokenRequest(refreshFields);
    expect(renewed.status).toBe(200);
    const tokens = renewed.json<TokenAnswer>();
    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect(tokens.refresh_token).not.toBe(first.refresh_token);
    expect(decodeJwt(tokens.id_token ?? '')).not.toHaveProperty('nonce');
    expect(await validator().verify(apiCall(tokens.access_token))).toMatchObject({ name: 'ops@contoso.com', roles: ['Operator'], kind: 'user' });
    // Single-page apps' refresh tokens too are redeemed cross-origin only.
    expectEntraError(await tokenRequest(refreshFields, {}), 'invalid_request', 9002327);
    expectEntraError(await tokenRequest({ ...refreshFields, refresh_token: 'forged' }), 'invalid_grant', 70000);
  });

  it('issues no refresh token without offline_access, and a token for one resource only', async () => {
    const pkce = pkcePair();
    const code = await codeFor('requester@contoso.com', { pkce, extra: { scope: `${API_SCOPE} openid profile` } });
    const tokens = (await tokenRequest(redeemFields(code, pkce, { scope: `${API_SCOPE} openid profile` }))).json<TokenAnswer>();
    expect(tokens.refresh_token).toBeUndefined();
    expect(tokens.id_token).toEqual(expect.any(String));

    const other = pkcePair();
    const second = await codeFor('requester@contoso.com', { pkce: other });
    const response = await tokenRequest(redeemFields(second, other, { scope: `${API_SCOPE} User.Read` }));
    expectEntraError(response, 'invalid_scope', 700022);
  });

  it('answers in the query or as a form post when asked to', async () => {
    const pkce = pkcePair();
    const location = expectRedirect(await signInAs('requester@contoso.com', { pkce, extra: { response_mode: 'query' } }), REDIRECT_URI);
    expect(new URL(location).hash).toBe('');
    expect(new URL(location).searchParams.get('code')).toEqual(expect.any(String));

    const posted = await signInAs('requester@contoso.com', { extra: { response_mode: 'form_post' } });
    expect(posted.status).toBe(200);
    const form = readForm(posted.text, `${tenant}/login`);
    expect(form.method).toBe('post');
    expect(form.action).toBe(REDIRECT_URI);
    expect(Object.keys(form.hiddenFields).sort()).toEqual(['client_info', 'code', 'state']);
  });
});

describe('authorization requests Entra refuses', () => {
  /** The message of the error page the request gets. */
  async function errorPage(url: string): Promise<string> {
    const response = await request(url, { ca: emulator.caPem });
    expect(response.status).toBe(400);
    expect(response.headers.location).toBeUndefined();
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    return errorPageMessage(response.text);
  }

  it('shows an unknown application on the error page, never redirecting: AADSTS700016', async () => {
    const page = await errorPage(authorizeUrl({ extra: { client_id: '11111111-2222-4333-8444-555555555555' } }));
    expect(page).toContain("AADSTS700016: Application with identifier '11111111-2222-4333-8444-555555555555' was not found in the directory");
  });

  it('shows a redirect URI that is not registered on the error page: AADSTS50011', async () => {
    for (const redirectUri of ['https://evil.example/api/console/', 'http://127.0.0.1:7071/api/Console/', 'http://[::1]:7071/api/console/', 'http://127.0.0.1:7071/api/console']) {
      const page = await errorPage(authorizeUrl({ redirectUri }));
      expect(page).toBe(
        `AADSTS50011: The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${PLAYGROUND_API.clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.`,
      );
    }
  });

  it('accepts the registered loopback redirect URIs on any port, as Entra ignores the port of localhost and 127.0.0.1', async () => {
    for (const redirectUri of ['http://localhost:5173/api/console/', 'http://127.0.0.1:49152/api/console/']) {
      const pkce = pkcePair();
      const code = await codeFor('requester@contoso.com', { pkce, redirectUri });
      const response = await tokenRequest(redeemFields(code, pkce, { redirect_uri: redirectUri }), { origin: new URL(redirectUri).origin });
      expect(response.status).toBe(200);
    }
  });

  it('sends later errors to the redirect URI with the state: PKCE is required of a single-page app', async () => {
    const response = await request(authorizeUrl({ omit: ['code_challenge', 'code_challenge_method'] }), { ca: emulator.caPem });
    const answer = answerOf(expectRedirect(response, REDIRECT_URI));
    expect(answer.get('error')).toBe('invalid_request');
    expect(answer.get('error_description')).toMatch(/^AADSTS9002325: Proof Key for Code Exchange is required/);
    expect(answer.get('state')).toBe('eyJpZCI6IjAxOTNmMGEyIn0=|/api/console/approvals');
  });

  it('answers prompt=none with login_required: the playground keeps no session to sign in from silently', async () => {
    const answer = answerOf(expectRedirect(await request(authorizeUrl({ extra: { prompt: 'none' } }), { ca: emulator.caPem }), REDIRECT_URI));
    expect(answer.get('error')).toBe('login_required');
    expect(answer.get('error_description')).toMatch(/^AADSTS50058: /);
  });

  it('refuses scopes of unknown resources and permissions the API does not expose', async () => {
    const unknown = answerOf(expectRedirect(await request(authorizeUrl({ extra: { scope: 'api://someone-else/read openid' } }), { ca: emulator.caPem }), REDIRECT_URI));
    expect(unknown.get('error')).toBe('invalid_resource');
    expect(unknown.get('error_description')).toMatch(/^AADSTS500011: The resource principal named api:\/\/someone-else was not found/);
    const notExposed = answerOf(expectRedirect(await request(authorizeUrl({ extra: { scope: 'api://aml-warden/admin openid' } }), { ca: emulator.caPem }), REDIRECT_URI));
    expect(notExposed.get('error')).toBe('invalid_client');
    expect(notExposed.get('error_description')).toMatch(/^AADSTS650053: .*'admin'/);
  });

  it('refuses response types other than code: the registration allows no implicit grant', async () => {
    const answer = answerOf(expectRedirect(await request(authorizeUrl({ extra: { response_type: 'code id_token' } }), { ca: emulator.caPem }), REDIRECT_URI));
    expect(answer.get('error')).toBe('unsupported_response_type');
  });
});

describe('sign-out', () => {
  it('returns to a registered post-logout redirect URI with the state, and shows the signed-out page otherwise', async () => {
    const back = await request(`${tenant}/oauth2/v2.0/logout?${new URLSearchParams({ post_logout_redirect_uri: REDIRECT_URI, state: 's1' }).toString()}`, { ca: emulator.caPem });
    expect(back.status).toBe(302);
    expect(back.headers.location).toBe(`${REDIRECT_URI}?state=s1`);
    const page = await request(`${tenant}/oauth2/v2.0/logout?post_logout_redirect_uri=${encodeURIComponent('https://evil.example/')}`, { ca: emulator.caPem });
    expect(page.status).toBe(200);
    expect(page.text).toContain('You signed out of your account');
  });
});
