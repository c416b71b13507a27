/**
 * How long the playground identity provider's grants live, on a clock the test moves (in-process: the routes as the
 * emulator mounts them, without a socket): codes about 10 minutes, a single-page app's refresh tokens 24 hours from
 * the sign-in, whatever they are exchanged for (MicrosoftDocs/entra-docs `v2-oauth2-auth-code-flow.md`).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LOCAL_TENANT_ID, PLAYGROUND_API, createLocalIdp, mountIdp } from '../../../dev/emulator/idp.js';
import type { EmulatorResponse } from '../../../dev/emulator/router.js';
import { Router } from '../../../dev/emulator/router.js';
import { callRoute } from '../../helpers/emulatorServices.js';
import { answerOf, pkcePair, readForm, submission } from './signInDriver.js';

const BASE = 'https://127.0.0.1:7443';
const TENANT_PATH = `/idp/${LOCAL_TENANT_ID}`;
const REDIRECT_URI = 'http://127.0.0.1:7071/api/console/';
const SCOPES = 'api://aml-warden/access_as_user openid profile offline_access';
const MINUTE = 60 * 1000;

let clock: { now: number };
let router: Router;

beforeEach(async () => {
  clock = { now: Date.parse('2025-03-01T10:00:00Z') };
  const idp = await createLocalIdp(BASE, { now: () => clock.now });
  router = new Router();
  mountIdp(router, idp);
});

function bodyOf(response: EmulatorResponse): Record<string, unknown> {
  return z.record(z.string(), z.unknown()).parse(response.body);
}

/** Signs the requester in and returns the code and its verifier. */
async function signIn(): Promise<{ code: string; verifier: string }> {
  const pkce = pkcePair();
  const query = {
    client_id: PLAYGROUND_API.clientId,
    response_type: 'code',
    response_mode: 'fragment',
    redirect_uri: REDIRECT_URI,
    scope: SCOPES,
    state: 'st',
    nonce: 'n',
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
  };
  const picker = await callRoute(router, 'GET', `${TENANT_PATH}/oauth2/v2.0/authorize`, { query });
  expect(picker.status).toBe(200);
  const form = readForm(String(picker.body), `${BASE}${TENANT_PATH}/oauth2/v2.0/authorize`);
  const requester = form.buttons.find((button) => button.value === 'requester@contoso.com');
  if (requester === undefined) throw new Error('no requester button');
  const answered = await callRoute(router, 'POST', new URL(form.action).pathname, { body: submission(form, requester) });
  const code = answerOf(String(answered.headers?.['location'])).get('code');
  if (code === null) throw new Error('no code');
  return { code, verifier: pkce.verifier };
}

function token(fields: Record<string, string>): Promise<EmulatorResponse> {
  return callRoute(router, 'POST', `${TENANT_PATH}/oauth2/v2.0/token`, {
    headers: { origin: 'http://127.0.0.1:7071', 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: PLAYGROUND_API.clientId, redirect_uri: REDIRECT_URI, scope: SCOPES, ...fields }).toString(),
  });
}

describe('grant lifetimes', () => {
  it('redeems a code within 10 minutes, and refuses it after: invalid_grant AADSTS70008', async () => {
    const fresh = await signIn();
    clock.now += 10 * MINUTE - 1000;
    expect((await token({ grant_type: 'authorization_code', code: fresh.code, code_verifier: fresh.verifier })).status).toBe(200);

    const stale = await signIn();
    clock.now += 10 * MINUTE;
    const refused = await token({ grant_type: 'authorization_code', code: stale.code, code_verifier: stale.verifier });
    expect(refused.status).toBe(400);
    expect(bodyOf(refused)).toMatchObject({ error: 'invalid_grant', error_codes: [70008] });
  });

  it("keeps a single-page app's refresh tokens to 24 hours from the sign-in, through every renewal: AADSTS700084", async () => {
    const { code, verifier } = await signIn();
    const first = bodyOf(await token({ grant_type: 'authorization_code', code, code_verifier: verifier }));
    clock.now += 23 * 60 * MINUTE;
    const renewed = await token({ grant_type: 'refresh_token', refresh_token: String(first['refresh_token']) });
    expect(renewed.status).toBe(200);
    const second = String(bodyOf(renewed)['refresh_token']);

    clock.now += 60 * MINUTE;
    for (const refreshToken of [String(first['refresh_token']), second]) {
      const expired = await token({ grant_type: 'refresh_token', refresh_token: refreshToken });
      expect(expired.status).toBe(400);
      const body = bodyOf(expired);
      expect(body).toMatchObject({ error: 'invalid_grant', error_codes: [700084] });
      expect(String(body['error_description'])).toContain('The token was issued on 2025-03-01T10:00:00.000Z.');
    }
  });

  it('forgets a sign-in left open at the picker for over an hour', async () => {
    const pkce = pkcePair();
    const query = {
      client_id: PLAYGROUND_API.clientId,
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: SCOPES,
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
    };
    const picker = await callRoute(router, 'GET', `${TENANT_PATH}/oauth2/v2.0/authorize`, { query });
    const form = readForm(String(picker.body), `${BASE}${TENANT_PATH}/oauth2/v2.0/authorize`);
    const [first] = form.buttons;
    if (first === undefined) throw new Error('no account button');
    clock.now += 61 * MINUTE;
    const late = await callRoute(router, 'POST', new URL(form.action).pathname, { body: submission(form, first) });
    expect(late.status).toBe(400);
    expect(String(late.body)).toContain('AADSTS50089: ');
  });
});
