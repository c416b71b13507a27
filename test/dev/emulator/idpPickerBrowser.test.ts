/**
 * The playground identity provider's account picker in a real Chromium: axe-core finds no serious or critical
 * violation, the account the application hinted at has the focus, and a person signs in with the keyboard alone.
 * Chromium reaches the emulator through this process, which trusts the emulator's CA explicitly (certificate checks
 * stay on: Chromium opens no connection to the emulator); the application's redirect URI is a stand-in page served
 * on a free loopback port (the registration's loopback redirect URIs match on any port).
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import type { BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LOCAL_TENANT_ID, PLAYGROUND_API } from '../../../dev/emulator/idp.js';
import { startEmulator, type RunningEmulator } from '../../../dev/emulator/server.js';
import { launchChromium, type LaunchedChromium } from '../../helpers/chromium.js';
import { request } from '../../helpers/emulatorServices.js';
import { answerOf, pkcePair } from './signInDriver.js';

const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let emulator: RunningEmulator;
let chromium: LaunchedChromium;
let context: BrowserContext;
let app: Server;
let appOrigin: string;
let redirectUri: string;

/** Hands a request for the emulator to Node, which sends it trusting the emulator's CA, and gives the answer back. */
async function throughNode(route: Route): Promise<void> {
  const sent = route.request();
  const contentType = await sent.headerValue('content-type');
  const body = sent.postDataBuffer();
  const answer = await request(sent.url(), {
    method: sent.method(),
    headers: contentType === null ? {} : { 'content-type': contentType },
    ...(body === null ? {} : { body: body.toString('utf8') }),
    ca: emulator.caPem,
  });
  const headers = Object.fromEntries(Object.entries(answer.headers).flatMap(([name, value]) => (typeof value === 'string' && name !== 'content-length' ? [[name, value]] : [])));
  await route.fulfill({ status: answer.status, headers, body: answer.text });
}

beforeAll(async () => {
  [emulator, chromium] = await Promise.all([startEmulator({ seed: 'empty' }), launchChromium()]);
  app = createServer((_incoming, outgoing) => {
    outgoing.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><html lang="en"><title>console</title><h1>console</h1></html>');
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appOrigin = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  redirectUri = `${appOrigin}/api/console/`;
  context = await chromium.browser.newContext();
  const emulatorOrigin = new URL(emulator.url).origin;
  await context.route((url) => url.origin === emulatorOrigin, throughNode);
}, 60_000);

afterAll(async () => {
  await context?.close();
  await chromium?.close();
  await emulator?.close();
  await new Promise((resolve) => app?.close(resolve));
});

const axeViolations = z.array(z.object({ id: z.string(), impact: z.string().nullable(), help: z.string(), targets: z.array(z.string()) }));

async function seriousViolations(page: Page): Promise<z.infer<typeof axeViolations>> {
  await page.evaluate(axeSource);
  const found = await page.evaluate(`(async () => {
    const results = await window.axe.run(document, { resultTypes: ['violations'] });
    return results.violations.map((v) => ({ id: v.id, impact: v.impact ?? null, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
  })()`);
  return axeViolations.parse(found).filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}

describe('the account picker in a browser', () => {
  it('passes axe, focuses the hinted account, and signs in by keyboard alone', async () => {
    const pkce = pkcePair();
    const parameters = new URLSearchParams({
      client_id: PLAYGROUND_API.clientId,
      response_type: 'code',
      response_mode: 'fragment',
      redirect_uri: redirectUri,
      scope: 'api://aml-warden/access_as_user openid profile offline_access',
      state: 'keyboard',
      nonce: 'n-1',
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
      login_hint: 'approver@contoso.com',
    });
    const page = await context.newPage();
    await page.goto(`${emulator.url}/idp/${LOCAL_TENANT_ID}/oauth2/v2.0/authorize?${parameters.toString()}`);

    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Pick an account');
    for (const user of ['requester@contoso.com', 'approver@contoso.com', 'ops@contoso.com']) {
      await expect(page.getByRole('button', { name: new RegExp(user.replace(/\./g, '\\.')) }).count()).resolves.toBe(1);
    }
    expect(await seriousViolations(page)).toEqual([]);

    // The hinted account has the focus; Tab moves to the next account, Enter signs in as it.
    expect(await page.evaluate('document.activeElement?.getAttribute("value")')).toBe('approver@contoso.com');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.getAttribute("value")')).toBe('ops@contoso.com');
    await Promise.all([page.waitForURL((url) => url.href.startsWith(redirectUri)), page.keyboard.press('Enter')]);

    const answer = answerOf(page.url());
    expect(answer.get('state')).toBe('keyboard');
    const code = answer.get('code') ?? '';
    const tokens = await request(`${emulator.url}/idp/${LOCAL_TENANT_ID}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: appOrigin },
      body: new URLSearchParams({ client_id: PLAYGROUND_API.clientId, grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: pkce.verifier }).toString(),
      ca: emulator.caPem,
    });
    expect(tokens.status).toBe(200);
    const idToken = z.object({ id_token: z.string() }).parse(tokens.json()).id_token;
    const claims = z.object({ preferred_username: z.string(), roles: z.array(z.string()) }).parse(JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8')));
    expect(claims).toEqual({ preferred_username: 'ops@contoso.com', roles: ['Operator'] });
    await page.close();
  });
});
