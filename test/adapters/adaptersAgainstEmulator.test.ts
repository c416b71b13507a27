import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteHandle } from '../../dev/azurite.js';
import { startEmulator, type RunningEmulator } from '../../dev/emulator/server.js';
import { startHost, type FunctionsHost } from '../../dev/host/host.js';
import { composeApp, setAppForProcess, type App } from '../../src/composition.js';
import { loadConfig } from '../../src/config.js';
import { LocalIdpCredential } from '../../src/adapters/identity/credential.js';
import { createMachineLearningClientFactory } from '../../src/adapters/arm/machineLearning.js';
import { createHttpClient } from '../../src/adapters/http/httpClient.js';
import { createSecretStore } from '../../src/adapters/keyvault/secrets.js';
import { localAzureSettings } from '../../dev/localAzureSettings.js';
import { appErrorOf } from '../helpers/appErrors.js';
import { request } from '../helpers/emulatorServices.js';
import { repositoryRoot } from '../helpers/repositoryRoot.js';

const SUBSCRIPTION = '11111111-1111-1111-1111-111111111111';

let emulator: RunningEmulator;
let azurite: AzuriteHandle;
let services: App;
let host: FunctionsHost;
let appRoot: string;

/** Settings as `npm start` has them, pointed at this file's own emulator and Azurite. */
function playgroundEnv(): NodeJS.ProcessEnv {
  return {
    ...localAzureSettings({ emulatorUrl: emulator.url, azuriteConnectionString: azurite.connectionString }, { policy: 'policy/test.yaml', caFile: 'emulator-ca.pem' }),
    AML_WARDEN_SECRET_TTL_SECONDS: '300',
    AML_WARDEN_HTTP_TIMEOUT_MS: '5000',
  };
}

beforeAll(async () => {
  [emulator, azurite] = await Promise.all([startEmulator({ port: 0, seed: 'playground' }), startAzurite()]);
  appRoot = mkdtempSync(join(tmpdir(), 'aml-warden-adapters-'));
  writeFileSync(join(appRoot, 'host.json'), '{"version":"2.0"}');
  writeFileSync(join(appRoot, 'emulator-ca.pem'), emulator.caPem);
  writeFileSync(join(appRoot, 'test.yaml'), 'mode: enforce\n');
  const config = loadConfig({ ...playgroundEnv(), AML_WARDEN_POLICY: 'test.yaml' }, { appRoot });
  services = composeApp(config);
});

afterAll(async () => {
  await host?.close();
  await Promise.all([emulator?.close(), azurite?.close()]);
  rmSync(appRoot, { recursive: true, force: true });
});

beforeEach(() => {
  emulator.resetCalls();
});

function callsTo(pattern: RegExp): number {
  return emulator.calls().filter((call) => pattern.test(call.path)).length;
}


describe('Azure ML client against the emulator', () => {
  it('lists the playground workspace with the local identity provider credential', async () => {
    const client = await services.adapters.arm(SUBSCRIPTION);
    const names: string[] = [];
    for await (const workspace of client.workspaces.listBySubscription()) names.push(workspace.name ?? '');
    expect(names).toContain('mlw-demo');
  });

  it('reads the non-compliant cluster with its scale settings', async () => {
    const client = await services.adapters.arm(SUBSCRIPTION);
    const compute = await client.computeOperations.get('rg-mlops-demo', 'mlw-demo', 'gpu-cluster');
    expect(compute.properties?.computeType).toBe('AmlCompute');
    const properties = compute.properties && 'properties' in compute.properties ? compute.properties.properties : undefined;
    expect(properties).toMatchObject({ vmSize: 'Standard_NC24', scaleSettings: { minNodeCount: 1, maxNodeCount: 20 } });
  });

  it('retries a throttled ARM read after Retry-After and then succeeds', async () => {
    const client = await services.adapters.arm(SUBSCRIPTION);
    emulator.injectFault({ method: 'GET', path: '/workspaces/mlw-demo$', status: 429, headers: { 'retry-after': '0' }, body: { error: { code: 'TooManyRequests', message: 'throttled' } }, times: 1 });
    const workspace = await client.workspaces.get('rg-mlops-demo', 'mlw-demo');
    expect(workspace.name).toBe('mlw-demo');
    const reads = emulator.calls().filter((call) => /\/workspaces\/mlw-demo$/i.test(call.path));
    expect(reads.map((call) => call.status)).toEqual([429, 200]);
  });

  it('caches one client per subscription', async () => {
    expect(await services.adapters.arm(SUBSCRIPTION)).toBe(await services.adapters.arm(SUBSCRIPTION.toUpperCase()));
  });

  it('is refused by ARM with a token the identity provider did not mint', async () => {
    const clients = createMachineLearningClientFactory({
      armEndpoint: emulator.url,
      credential: { getToken: async () => ({ token: 'not-a-jwt', expiresOnTimestamp: Date.now() + 60_000 }) },
      timeoutMs: 5_000,
      ca: emulator.caPem,
    });
    const client = await clients(SUBSCRIPTION);
    const failure = await client.workspaces.get('rg-mlops-demo', 'mlw-demo').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ statusCode: 401 });
  });
});

describe('local identity provider credential', () => {
  it('asks the identity provider once and reuses the token until shortly before it expires', async () => {
    const http = createHttpClient({ timeoutMs: 5_000, ca: emulator.caPem });
    let now = Date.now();
    const credential = new LocalIdpCredential(`${emulator.url}/idp`, http, { now: () => now });
    const first = await credential.getToken('https://management.azure.com/.default');
    const second = await credential.getToken(['https://management.azure.com/.default']);
    expect(second.token).toBe(first.token);
    expect(callsTo(/^\/idp\/token$/)).toBe(1);
    now = first.expiresOnTimestamp - 1_000;
    await credential.getToken('https://management.azure.com/.default');
    expect(callsTo(/^\/idp\/token$/)).toBe(2);
  });

  it('shares one token request between concurrent callers and keeps scopes apart', async () => {
    const http = createHttpClient({ timeoutMs: 5_000, ca: emulator.caPem });
    const credential = new LocalIdpCredential(`${emulator.url}/idp`, http);
    const tokens = await Promise.all([
      credential.getToken('https://vault.azure.net/.default'),
      credential.getToken('https://vault.azure.net/.default'),
      credential.getToken('https://management.azure.com/.default'),
    ]);
    expect(tokens[0]?.token).toBe(tokens[1]?.token);
    expect(tokens[2]?.token).not.toBe(tokens[0]?.token);
    expect(callsTo(/^\/idp\/token$/)).toBe(2);
  });

  it('reports an unreachable identity provider as UpstreamTransient', async () => {
    const http = createHttpClient({ timeoutMs: 2_000, ca: emulator.caPem });
    const credential = new LocalIdpCredential('https://127.0.0.1:1/idp', http);
    expect((await appErrorOf(credential.getToken('https://management.azure.com/.default'))).code).toBe('UpstreamTransient');
  });
});

describe('Key Vault secrets through the challenge flow', () => {
  it('reads a seeded secret with the real SecretClient', async () => {
    expect(await services.adapters.secrets.getSecret('teams-webhook-url')).toBe(`${emulator.url}/sink/teams`);
  });

  it('serves a second read from the cache: no call reaches the vault', async () => {
    await services.adapters.secrets.getSecret('slack-webhook-url');
    const afterFirst = callsTo(/^\/secrets\/slack-webhook-url/);
    expect(afterFirst).toBeGreaterThan(0);
    expect(await services.adapters.secrets.getSecret('slack-webhook-url')).toBe(`${emulator.url}/sink/slack`);
    expect(callsTo(/^\/secrets\/slack-webhook-url/)).toBe(afterFirst);
  });

  it('reads again once the TTL has passed', async () => {
    let now = 1_000_000;
    const secrets = createSecretStore({
      keyVaultUrl: emulator.url,
      credential: services.adapters.credential,
      credentialKind: 'local',
      ttlSeconds: 60,
      timeoutMs: 5_000,
      ca: emulator.caPem,
      now: () => now,
    });
    await secrets.getSecret('generic-webhook-url');
    const afterFirst = callsTo(/^\/secrets\/generic-webhook-url/);
    now += 59_000;
    await secrets.getSecret('generic-webhook-url');
    expect(callsTo(/^\/secrets\/generic-webhook-url/)).toBe(afterFirst);
    now += 2_000;
    await secrets.getSecret('generic-webhook-url');
    expect(callsTo(/^\/secrets\/generic-webhook-url/)).toBeGreaterThan(afterFirst);
  });

  it('concurrent misses share one read', async () => {
    const secrets = createSecretStore({
      keyVaultUrl: emulator.url,
      credential: services.adapters.credential,
      credentialKind: 'local',
      ttlSeconds: 300,
      timeoutMs: 5_000,
      ca: emulator.caPem,
    });
    // Warm the client (its first request is the unauthenticated challenge) on another secret.
    await secrets.getSecret('ado-pat');
    emulator.resetCalls();
    const values = await Promise.all(Array.from({ length: 8 }, () => secrets.getSecret('github-token')));
    expect(new Set(values).size).toBe(1);
    expect(emulator.calls().filter((call) => /^\/secrets\/github-token/.test(call.path) && call.status === 200)).toHaveLength(1);
  });

  it('a missing secret is a ConfigurationError naming it, never a value', async () => {
    const error = await appErrorOf(services.adapters.secrets.getSecret('no-such-secret'));
    expect(error.code).toBe('ConfigurationError');
    expect(error.message).toBe("Key Vault secret 'no-such-secret' not found");
  });

  it('without a Key Vault URL, reading a secret names AML_WARDEN_KEYVAULT_URL', async () => {
    const secrets = createSecretStore({ keyVaultUrl: undefined, credential: services.adapters.credential, credentialKind: 'local', ttlSeconds: 300, timeoutMs: 5_000 });
    const error = await appErrorOf(secrets.getSecret('ado-pat'));
    expect(error.code).toBe('ConfigurationError');
    expect(error.target).toBe('AML_WARDEN_KEYVAULT_URL');
  });
});

describe('the composed app', () => {
  it('wires state to Azurite with the configured prefix', async () => {
    const table = services.adapters.state.table('Probe');
    expect(table.tableName).toBe('amlwardenProbe');
    expect(await table.insert({ partitionKey: 'p', rowKey: 'r', ok: true })).not.toBe(false);
    expect((await table.get('p', 'r'))?.entity.ok).toBe(true);
  });

  it('uses in-memory telemetry when Application Insights is not configured', () => {
    services.telemetry.trackMetric('EventsDropped', 1);
    expect(services.telemetry.snapshot()).toMatchObject({ sink: 'memory', metrics: { EventsDropped: { count: 1, sum: 1 } } });
  });

  it('fetches JSON from the emulator through the CA-trusting HTTP client', async () => {
    const discovery = await services.adapters.http.getJson(`${emulator.url}/idp/${emulator.idp.tenantId}/v2.0/.well-known/openid-configuration`);
    expect(discovery).toMatchObject({ issuer: emulator.idp.issuerFor(2) });
  });
});

describe('GET /api/health on the offline host with the playground settings', () => {
  beforeAll(async () => {
    // The host reads settings from the environment, as the Functions host does; the policy is the repository's playground.
    const env = { ...playgroundEnv(), AML_WARDEN_POLICY: 'policy/playground.yaml', AML_WARDEN_TLS_CA_FILE: join(appRoot, 'emulator-ca.pem') };
    host = await startHost({ entry: join(repositoryRoot, 'src', 'functions', 'health.ts'), port: 0, timers: false, log: () => {}, env: env as Record<string, string> });
    setAppForProcess(services);
  });

  const tokenFor = async (body: Record<string, unknown>) =>
    (await request(`${emulator.url}/idp/dev/token`, { method: 'POST', body, ca: emulator.caPem })).json<{ access_token: string }>().access_token;

  it('answers anyone with liveness only: the status and the version, nothing about its settings', async () => {
    const response = await fetch(`${host.url}/api/health`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['status', 'version']);
    expect(body['status']).toBe('ok');
  });

  it('refuses a token without the Operator role (403) and one it cannot validate (401)', async () => {
    const requester = await tokenFor({ user: 'alice@contoso.com', roles: ['ComputeRequester'] });
    expect((await fetch(`${host.url}/api/health`, { headers: { authorization: `Bearer ${requester}` } })).status).toBe(403);
    expect((await fetch(`${host.url}/api/health`, { headers: { authorization: 'Bearer not-a-token' } })).status).toBe(401);
  });

  it('answers an Operator with the configuration summary, the policy summary and the telemetry counts, without secrets', async () => {
    services.telemetry.trackMetric('EventsDropped', 2);
    const operator = await tokenFor({ app: 'monitoring', roles: ['Operator'] });
    const response = await fetch(`${host.url}/api/health`, { headers: { authorization: `Bearer ${operator}` } });
    expect(response.status).toBe(200);
    const text = await response.text();
    const body = JSON.parse(text) as { status: string; config: Record<string, unknown>; policy: Record<string, unknown>; telemetry: { metrics: Record<string, { sum: number }> } };
    expect(body.status).toBe('ok');
    expect(body.config).toMatchObject({ armEndpoint: emulator.url, credential: 'local', keyVaultUrl: emulator.url });
    expect(body.policy).toMatchObject({ source: 'policy/playground.yaml', mode: 'enforce' });
    expect(body.telemetry.metrics.EventsDropped?.sum).toBeGreaterThanOrEqual(2);
    expect(text).not.toContain('Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq');
  });
});
