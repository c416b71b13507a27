/**
 * The console function on the offline host, as a browser reaches it: the page at every console address (with the
 * `<base>` that makes its relative links work), its hashed files, the sign-in settings in config.json, and clear
 * answers for what is not there. The console is built for real (`buildConsole`) into a folder of its own.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole, CONSOLE_JS_BUDGET_GZIP_BYTES, type ConsoleBuildResult } from '../../scripts/buildConsole.js';
import { loadSettings, type ConsoleSettings } from '../../src/config.js';
import { findConsoleFolder, readConsoleAssets } from '../../src/http/consoleAssets.js';
import { contentSecurityPolicy, createConsoleHandler, type ConsoleDeps } from '../../src/http/consoleController.js';
import { repositoryRoot } from '../helpers/repositoryRoot.js';

const TENANT = '00000000-0000-4000-8000-00000000a11e';
const API_CLIENT = '5f1d3a6e-2b7c-4e0a-9c1d-a11ce0a9e1de';
const baseEnv = {
  AML_WARDEN_STATE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
  AML_WARDEN_AUTH_TENANT_ID: TENANT,
  AML_WARDEN_AUTH_CLIENT_ID: API_CLIENT,
  AML_WARDEN_AUTH_APP_ID_URI: 'api://aml-warden',
  AML_WARDEN_AUTH_AUTHORITY: 'https://127.0.0.1:7443/idp',
};

let folder: string;
let built: ConsoleBuildResult;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'aml-warden-console-'));
  built = await buildConsole({ root: repositoryRoot, outDir: join(folder, 'console') });
}, 120_000);

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

function handlerWith(deps: Partial<ConsoleDeps> = {}) {
  return createConsoleHandler({
    assets: async () => readConsoleAssets(built.outDir),
    settings: () => loadSettings(baseEnv).console,
    ...deps,
  });
}

async function get(path: string, rest: string, deps: Partial<ConsoleDeps> = {}) {
  const request = new HttpRequest({ method: 'GET', url: `http://127.0.0.1:7071${path}`, params: rest === '' ? {} : { path: rest } });
  const response = await handlerWith(deps)(request, new InvocationContext({ functionName: 'console' }));
  const headers = new Headers(response.headers as Record<string, string> | undefined);
  const body = response.body instanceof Buffer ? response.body.toString('utf8') : response.jsonBody === undefined ? '' : JSON.stringify(response.jsonBody);
  return { status: response.status ?? 200, headers, body, json: response.jsonBody as unknown };
}

describe('the console build', () => {
  it('writes the page, one hashed script and style sheet, and the manifest that lists them', () => {
    const paths = built.manifest.files.map((file) => file.path);
    expect(paths).toContain('index.html');
    expect(paths.filter((path) => /^app-[A-Z0-9]+\.js$/.test(path))).toHaveLength(1);
    expect(paths.filter((path) => /^app-[A-Z0-9]+\.css$/.test(path))).toHaveLength(1);
    expect(built.manifest.files.find((file) => file.path === 'index.html')?.immutable).toBe(false);
  });

  it('keeps its JavaScript within the budget of 150 kB gzipped', () => {
    expect(built.javascriptGzipBytes).toBeGreaterThan(10_000);
    expect(built.javascriptGzipBytes).toBeLessThanOrEqual(CONSOLE_JS_BUDGET_GZIP_BYTES);
  });

  it('is found beside the code that serves it, and not in the console sources', () => {
    // As dist/src/http/ finds dist/console/, and main.js finds console/ beside it.
    expect(findConsoleFolder(join(folder, 'src', 'http'))).toBe(built.outDir);
    expect(findConsoleFolder(folder)).toBe(built.outDir);
    // The repository's console/ holds sources without a manifest.
    expect(findConsoleFolder(join(repositoryRoot, 'src', 'http'))).toBeUndefined();
  });
});

describe('GET /api/console/…', () => {
  it('sends the address without its trailing slash to the folder, so relative links resolve', async () => {
    const response = await get('/api/console?x=1', '');
    expect(response.status).toBe(308);
    expect(response.headers.get('location')).toBe('/api/console/?x=1');
  });

  it('answers the console page at its home and at any page address, with a <base> naming the console folder', async () => {
    for (const [path, rest] of [
      ['/api/console/', ''],
      ['/api/console/approvals/3f2a', 'approvals/3f2a'],
      ['/api/console/requests', 'requests'],
    ] as const) {
      const response = await get(path, rest);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.body).toContain('<base href="/api/console/">');
      expect(response.body).toMatch(/<script type="module" src="app-[A-Z0-9]+\.js"><\/script>/);
      expect(response.headers.get('cache-control')).toBe('no-cache');
    }
  });

  it('serves the page with a policy that allows only its own files, the API and the authority', async () => {
    const response = await get('/api/console/', '');
    expect(response.headers.get('content-security-policy')).toBe(contentSecurityPolicy('https://127.0.0.1:7443'));
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self';");
    expect(response.headers.get('content-security-policy')).toContain("connect-src 'self' https://127.0.0.1:7443;");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves the hashed script for good, with its content type', async () => {
    const script = built.manifest.files.find((file) => file.path.endsWith('.js'));
    const response = await get(`/api/console/${script?.path ?? ''}`, script?.path ?? '');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(response.body.length).toBe(script?.bytes);
  });

  it('answers 404 for a file the console does not have, never a file outside it', async () => {
    for (const rest of ['missing.js', '../host.json', 'assets.json/../index.html']) {
      const response = await get(`/api/console/${rest}`, rest);
      expect(response.status, rest).toBe(404);
      expect(response.json).toMatchObject({ error: { code: 'NotFound' } });
    }
  });

  it('says the console is not built when the app carries no console files', async () => {
    const response = await get('/api/console/', '', { assets: async () => undefined });
    expect(response.status).toBe(404);
    expect(response.json).toEqual({ error: { code: 'NotFound', message: expect.stringContaining('npm run build'), target: 'console' } });
  });
});

describe('GET /api/console/config.json', () => {
  it('gives MSAL.js the tenant, the client ID, the API scope and the authority the settings imply', async () => {
    const response = await get('/api/console/config.json', 'config.json');
    expect(response.status).toBe(200);
    expect(response.json).toEqual({
      tenantId: TENANT,
      clientId: API_CLIENT,
      apiScope: 'api://aml-warden/access_as_user',
      authority: `https://127.0.0.1:7443/idp/${TENANT}`,
      knownAuthorities: ['127.0.0.1:7443'],
    });
  });

  it('takes the console settings when they are given', async () => {
    const settings = loadSettings({
      ...baseEnv,
      AML_WARDEN_AUTH_AUTHORITY: 'https://login.microsoftonline.com',
      AML_WARDEN_CONSOLE_CLIENT_ID: '11111111-2222-4333-8444-555555555555',
      AML_WARDEN_CONSOLE_API_SCOPE: 'api://contoso-aml-warden/Console.Use',
      AML_WARDEN_CONSOLE_AUTHORITY: `https://login.microsoftonline.com/${TENANT}/`,
    }).console;
    const response = await get('/api/console/config.json', 'config.json', { settings: () => settings });
    expect(response.json).toEqual({
      tenantId: TENANT,
      clientId: '11111111-2222-4333-8444-555555555555',
      apiScope: 'api://contoso-aml-warden/Console.Use',
      authority: `https://login.microsoftonline.com/${TENANT}`,
      knownAuthorities: ['login.microsoftonline.com'],
    });
  });

  it('names the settings to set when the API has no Entra ID settings', async () => {
    const response = await get('/api/console/config.json', 'config.json', { settings: (): ConsoleSettings | undefined => undefined });
    expect(response.status).toBe(500);
    expect(response.json).toMatchObject({ error: { code: 'ConfigurationError', target: 'AML_WARDEN_AUTH_TENANT_ID', message: expect.stringContaining('AML_WARDEN_AUTH_CLIENT_ID') } });
  });

  it('names a bad console setting without echoing it', async () => {
    const response = await get('/api/console/config.json', 'config.json', { settings: () => loadSettings({ ...baseEnv, AML_WARDEN_CONSOLE_CLIENT_ID: 'not-a-guid' }).console });
    expect(response.status).toBe(500);
    expect(response.json).toMatchObject({ error: { code: 'ConfigurationError', target: 'AML_WARDEN_CONSOLE_CLIENT_ID' } });
    expect(response.body).not.toContain('not-a-guid');
  });
});

describe('console settings', () => {
  it('accept an https console address, or http on this machine, and refuse others naming the setting', () => {
    expect(loadSettings({ ...baseEnv, AML_WARDEN_CONSOLE_URL: 'https://aml-warden.azurewebsites.net/api/console/' }).consoleUrl).toBe('https://aml-warden.azurewebsites.net/api/console');
    expect(loadSettings({ ...baseEnv, AML_WARDEN_CONSOLE_URL: 'http://127.0.0.1:7071/api/console' }).consoleUrl).toBe('http://127.0.0.1:7071/api/console');
    expect(() => loadSettings({ ...baseEnv, AML_WARDEN_CONSOLE_URL: 'http://aml-warden.example.com/api/console' })).toThrow(/AML_WARDEN_CONSOLE_URL/);
  });

  it('leave the console off when the API has no Entra ID settings', () => {
    expect(loadSettings({ AML_WARDEN_STATE_CONNECTION_STRING: 'UseDevelopmentStorage=true' }).console).toBeUndefined();
  });
});
