import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeConfig, findAppRoot, loadConfig, loadSettings, settingDefaults, settingNames } from '../src/config.js';
import { AppError } from '../src/errors.js';
import { repositoryRoot } from './helpers/repositoryRoot.js';

const AZURITE_CONNECTION_STRING =
  'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;';

/** The least a valid environment needs: one state setting. */
const minimalEnv = { AML_WARDEN_STATE_CONNECTION_STRING: AZURITE_CONNECTION_STRING };

function configurationError(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error('expected a ConfigurationError');
}

const appRoots: string[] = [];
afterAll(() => {
  for (const root of appRoots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function appRootWithPolicy(policyYaml: string, file = 'policy/test.yaml'): string {
  const root = mkdtempSync(join(tmpdir(), 'aml-warden-config-'));
  appRoots.push(root);
  writeFileSync(join(root, 'host.json'), '{"version":"2.0"}');
  writeFileSync(join(root, 'package.json'), '{"name":"x","version":"9.8.7"}');
  mkdirSync(join(root, 'policy'), { recursive: true });
  writeFileSync(join(root, file), policyYaml);
  return root;
}

describe('loadSettings defaults', () => {
  const settings = loadSettings(minimalEnv);

  it('defaults the policy path to policy/default.yaml', () => {
    expect(settings.policyPath).toBe('policy/default.yaml');
  });
  it('defaults the ARM endpoint to public Azure', () => {
    expect(settings.armEndpoint).toBe('https://management.azure.com');
  });
  it('defaults the credential to DefaultAzureCredential with no local identity provider', () => {
    expect(settings.credential).toBe('default');
    expect(settings.localIdpUrl).toBeUndefined();
    expect(settings.managedIdentityClientId).toBeUndefined();
  });
  it('trusts no extra CA by default', () => {
    expect(settings.tlsCaFile).toBeUndefined();
  });
  it('defaults the table prefix to amlwarden', () => {
    expect(settings.tablePrefix).toBe('amlwarden');
  });
  it('has no Key Vault and caches secrets for 300 seconds by default', () => {
    expect(settings.keyVaultUrl).toBeUndefined();
    expect(settings.secretTtlSeconds).toBe(300);
  });
  it('keeps telemetry off without a connection string', () => {
    expect(settings.appInsightsConnectionString).toBeUndefined();
  });
  it('sweeps every six hours by default', () => {
    expect(settings.sweepSchedule).toBe('0 0 */6 * * *');
  });
  it('leaves bearer auth and the events secret unconfigured by default', () => {
    expect(settings.auth).toBeUndefined();
    expect(settings.eventsSecretName).toBeUndefined();
  });
  it('defaults the studio URL and a 10 s outbound timeout', () => {
    expect(settings.studioUrl).toBe('https://ml.azure.com');
    expect(settings.httpTimeoutMs).toBe(10_000);
  });
  it('reads the state connection string as the state store', () => {
    expect(settings.state).toEqual({ kind: 'connectionString', connectionString: AZURITE_CONNECTION_STRING });
  });
  it('lists every setting of the shared contract', () => {
    expect(settingNames).toEqual(
      expect.arrayContaining([
        'AML_WARDEN_POLICY',
        'AML_WARDEN_ARM_ENDPOINT',
        'AML_WARDEN_CREDENTIAL',
        'AML_WARDEN_LOCAL_IDP_URL',
        'AML_WARDEN_TLS_CA_FILE',
        'AML_WARDEN_STATE_CONNECTION_STRING',
        'AML_WARDEN_STATE_TABLE_URL',
        'AML_WARDEN_TABLE_PREFIX',
        'AML_WARDEN_KEYVAULT_URL',
        'AML_WARDEN_SECRET_TTL_SECONDS',
        'APPLICATIONINSIGHTS_CONNECTION_STRING',
        'AML_WARDEN_SWEEP_SCHEDULE',
        'AML_WARDEN_AUTH_TENANT_ID',
        'AML_WARDEN_AUTH_CLIENT_ID',
        'AML_WARDEN_AUTH_APP_ID_URI',
        'AML_WARDEN_AUTH_AUTHORITY',
        'AML_WARDEN_EVENTS_SECRET_NAME',
        'AML_WARDEN_STUDIO_URL',
        'AML_WARDEN_HTTP_TIMEOUT_MS',
      ]),
    );
    expect(Object.keys(settingDefaults)).toEqual(settingNames);
  });
});

describe('loadSettings values', () => {
  it('reads the local playground settings', () => {
    const settings = loadSettings({
      ...minimalEnv,
      AML_WARDEN_POLICY: 'policy/playground.yaml',
      AML_WARDEN_ARM_ENDPOINT: 'https://127.0.0.1:7443/',
      AML_WARDEN_CREDENTIAL: 'local',
      AML_WARDEN_LOCAL_IDP_URL: 'https://127.0.0.1:7443/idp',
      AML_WARDEN_KEYVAULT_URL: 'https://127.0.0.1:7443',
      AML_WARDEN_AUTH_TENANT_ID: '00000000-0000-4000-8000-00000000A11E',
      AML_WARDEN_AUTH_CLIENT_ID: '5f1d3a6e-2b7c-4e0a-9c1d-a11ce0a9e1de',
      AML_WARDEN_AUTH_APP_ID_URI: 'api://aml-warden',
      AML_WARDEN_AUTH_AUTHORITY: 'https://127.0.0.1:7443/idp/',
      AML_WARDEN_EVENTS_SECRET_NAME: 'events-webhook-key',
      AML_WARDEN_SECRET_TTL_SECONDS: '0',
      AML_WARDEN_HTTP_TIMEOUT_MS: '2500',
    });
    expect(settings.armEndpoint).toBe('https://127.0.0.1:7443');
    expect(settings.credential).toBe('local');
    expect(settings.localIdpUrl).toBe('https://127.0.0.1:7443/idp');
    expect(settings.auth).toEqual({
      tenantId: '00000000-0000-4000-8000-00000000a11e',
      clientId: '5f1d3a6e-2b7c-4e0a-9c1d-a11ce0a9e1de',
      appIdUri: 'api://aml-warden',
      authority: 'https://127.0.0.1:7443/idp',
    });
    expect(settings.secretTtlSeconds).toBe(0);
    expect(settings.httpTimeoutMs).toBe(2500);
    expect(settings.eventsSecretName).toBe('events-webhook-key');
  });

  it("names Entra ID's authority and the API's App ID URI from its client ID when only tenant and client are given", () => {
    const settings = loadSettings({ ...minimalEnv, AML_WARDEN_AUTH_TENANT_ID: '72f988bf-86f1-41af-91ab-2d7cd011db47', AML_WARDEN_AUTH_CLIENT_ID: '5f1d3a6e-2b7c-4e0a-9c1d-a11ce0a9e1de' });
    expect(settings.auth).toEqual({
      tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      clientId: '5f1d3a6e-2b7c-4e0a-9c1d-a11ce0a9e1de',
      appIdUri: 'api://5f1d3a6e-2b7c-4e0a-9c1d-a11ce0a9e1de',
      authority: 'https://login.microsoftonline.com',
    });
  });

  it('treats blank values as unset, as Azure app settings often are', () => {
    const settings = loadSettings({ ...minimalEnv, AML_WARDEN_STATE_TABLE_URL: '', AML_WARDEN_TABLE_PREFIX: '  ', AZURE_CLIENT_ID: '' });
    expect(settings.state.kind).toBe('connectionString');
    expect(settings.tablePrefix).toBe('amlwarden');
    expect(settings.managedIdentityClientId).toBeUndefined();
  });

  it('uses an identity-based table URL when that is the one state setting', () => {
    const settings = loadSettings({ AML_WARDEN_STATE_TABLE_URL: 'https://acct.table.core.windows.net/', AZURE_CLIENT_ID: 'client-1' });
    expect(settings.state).toEqual({ kind: 'tableUrl', url: 'https://acct.table.core.windows.net' });
    expect(settings.managedIdentityClientId).toBe('client-1');
  });
});

describe('loadSettings errors name the setting', () => {
  const cases: [string, Record<string, string>, string][] = [
    ['AML_WARDEN_ARM_ENDPOINT', { AML_WARDEN_ARM_ENDPOINT: 'http://management.azure.com' }, 'AML_WARDEN_ARM_ENDPOINT: must be an https URL'],
    ['AML_WARDEN_ARM_ENDPOINT', { AML_WARDEN_ARM_ENDPOINT: 'not a url' }, 'AML_WARDEN_ARM_ENDPOINT: must be an https URL'],
    ['AML_WARDEN_CREDENTIAL', { AML_WARDEN_CREDENTIAL: 'managed' }, 'AML_WARDEN_CREDENTIAL: must be "default" or "local"'],
    ['AML_WARDEN_LOCAL_IDP_URL', { AML_WARDEN_CREDENTIAL: 'local' }, 'AML_WARDEN_LOCAL_IDP_URL: is required when AML_WARDEN_CREDENTIAL is "local"'],
    ['AML_WARDEN_LOCAL_IDP_URL', { AML_WARDEN_LOCAL_IDP_URL: 'ftp://idp' }, 'AML_WARDEN_LOCAL_IDP_URL: must be an https URL'],
    ['AML_WARDEN_STATE_TABLE_URL', { AML_WARDEN_STATE_TABLE_URL: 'http://acct.table.core.windows.net' }, 'AML_WARDEN_STATE_TABLE_URL: must be an https URL'],
    ['AML_WARDEN_STATE_CONNECTION_STRING', { AML_WARDEN_STATE_CONNECTION_STRING: 'hello' }, 'AML_WARDEN_STATE_CONNECTION_STRING: must be a storage connection string'],
    ['AML_WARDEN_TABLE_PREFIX', { AML_WARDEN_TABLE_PREFIX: '1bad-prefix' }, 'AML_WARDEN_TABLE_PREFIX: must start with a letter'],
    ['AML_WARDEN_KEYVAULT_URL', { AML_WARDEN_KEYVAULT_URL: 'vault' }, 'AML_WARDEN_KEYVAULT_URL: must be an https URL'],
    ['AML_WARDEN_SECRET_TTL_SECONDS', { AML_WARDEN_SECRET_TTL_SECONDS: '-5' }, 'AML_WARDEN_SECRET_TTL_SECONDS: must be a whole number'],
    ['AML_WARDEN_SECRET_TTL_SECONDS', { AML_WARDEN_SECRET_TTL_SECONDS: '999999' }, 'AML_WARDEN_SECRET_TTL_SECONDS: must be a whole number'],
    ['APPLICATIONINSIGHTS_CONNECTION_STRING', { APPLICATIONINSIGHTS_CONNECTION_STRING: 'secret-garbage' }, 'APPLICATIONINSIGHTS_CONNECTION_STRING: must be an Application Insights connection string'],
    ['AML_WARDEN_SWEEP_SCHEDULE', { AML_WARDEN_SWEEP_SCHEDULE: '0 */6 * * *' }, 'AML_WARDEN_SWEEP_SCHEDULE: must be an NCRONTAB expression with six fields'],
    ['AML_WARDEN_AUTH_TENANT_ID', { AML_WARDEN_AUTH_TENANT_ID: 'contoso.onmicrosoft.com', AML_WARDEN_AUTH_CLIENT_ID: '5f1d3a6e-2b7c-4e0a-9c1d-a11ce0a9e1de' }, "AML_WARDEN_AUTH_TENANT_ID: must be the tenant's ID (a GUID)"],
    ['AML_WARDEN_AUTH_CLIENT_ID', { AML_WARDEN_AUTH_TENANT_ID: '72f988bf-86f1-41af-91ab-2d7cd011db47' }, 'AML_WARDEN_AUTH_CLIENT_ID: is required'],
    ['AML_WARDEN_AUTH_TENANT_ID', { AML_WARDEN_AUTH_CLIENT_ID: '5f1d3a6e-2b7c-4e0a-9c1d-a11ce0a9e1de' }, 'AML_WARDEN_AUTH_TENANT_ID: is required'],
    ['AML_WARDEN_AUTH_CLIENT_ID', { AML_WARDEN_AUTH_TENANT_ID: '72f988bf-86f1-41af-91ab-2d7cd011db47', AML_WARDEN_AUTH_CLIENT_ID: 'api://aml-warden' }, 'AML_WARDEN_AUTH_CLIENT_ID: must be'],
    ['AML_WARDEN_AUTH_AUTHORITY', { AML_WARDEN_AUTH_AUTHORITY: 'http://login.microsoftonline.com' }, 'AML_WARDEN_AUTH_AUTHORITY: must be an https URL'],
    ['AML_WARDEN_EVENTS_SECRET_NAME', { AML_WARDEN_EVENTS_SECRET_NAME: 'no_underscores' }, 'AML_WARDEN_EVENTS_SECRET_NAME: must be a Key Vault secret name'],
    ['AML_WARDEN_STUDIO_URL', { AML_WARDEN_STUDIO_URL: 'ml.azure.com' }, 'AML_WARDEN_STUDIO_URL: must be an https URL'],
    ['AML_WARDEN_HTTP_TIMEOUT_MS', { AML_WARDEN_HTTP_TIMEOUT_MS: 'fast' }, 'AML_WARDEN_HTTP_TIMEOUT_MS: must be a whole number'],
    ['AML_WARDEN_HTTP_TIMEOUT_MS', { AML_WARDEN_HTTP_TIMEOUT_MS: '5' }, 'AML_WARDEN_HTTP_TIMEOUT_MS: must be a whole number'],
    ['AML_WARDEN_HTTP_TIMEOUT_MS', { AML_WARDEN_HTTP_TIMEOUT_MS: '120000' }, 'AML_WARDEN_HTTP_TIMEOUT_MS: must be a whole number from 100 to 60000'],
  ];

  it.each(cases)('a bad %s is a ConfigurationError targeting it (%j)', (setting, overrides, message) => {
    const error = configurationError(() => loadSettings({ ...minimalEnv, ...overrides }));
    expect(error.code).toBe('ConfigurationError');
    expect(error.target).toBe(setting);
    expect(error.message.startsWith(message)).toBe(true);
  });

  it('requires exactly one state setting: none is an error', () => {
    const error = configurationError(() => loadSettings({}));
    expect(error.target).toBe('AML_WARDEN_STATE_CONNECTION_STRING');
    expect(error.message).toContain('exactly one of AML_WARDEN_STATE_CONNECTION_STRING and AML_WARDEN_STATE_TABLE_URL');
  });

  it('requires exactly one state setting: both is an error', () => {
    const error = configurationError(() =>
      loadSettings({ ...minimalEnv, AML_WARDEN_STATE_TABLE_URL: 'https://acct.table.core.windows.net' }),
    );
    expect(error.message).toContain('(2 set)');
  });

  it('lists every bad setting in details, not only the first', () => {
    const error = configurationError(() => loadSettings({ ...minimalEnv, AML_WARDEN_ARM_ENDPOINT: 'x', AML_WARDEN_STUDIO_URL: 'y' }));
    expect(error.details.map((detail) => detail.target)).toEqual(['AML_WARDEN_ARM_ENDPOINT', 'AML_WARDEN_STUDIO_URL']);
  });

  it('never echoes the bad value, which may be a secret', () => {
    const secretish = 'InstrumentationKeyy=00000000-hunter2';
    const error = configurationError(() => loadSettings({ ...minimalEnv, APPLICATIONINSIGHTS_CONNECTION_STRING: secretish }));
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain('hunter2');
  });
});

describe('loadConfig', () => {
  it('reads the policy file relative to the app root', () => {
    const root = appRootWithPolicy('mode: enforce\n');
    const config = loadConfig({ ...minimalEnv, AML_WARDEN_POLICY: 'policy/test.yaml' }, { appRoot: root });
    expect(config.policy.mode).toBe('enforce');
    expect(config.policySource).toBe(join(root, 'policy/test.yaml'));
    expect(config.tlsCa).toBeUndefined();
  });

  it('accepts an absolute policy path', () => {
    const root = appRootWithPolicy('mode: audit\n');
    const config = loadConfig({ ...minimalEnv, AML_WARDEN_POLICY: join(root, 'policy/test.yaml') }, { appRoot: tmpdir() });
    expect(config.policy.mode).toBe('audit');
  });

  it('names AML_WARDEN_POLICY when the policy file is missing', () => {
    const root = appRootWithPolicy('mode: audit\n');
    const error = configurationError(() => loadConfig({ ...minimalEnv, AML_WARDEN_POLICY: 'policy/missing.yaml' }, { appRoot: root }));
    expect(error.code).toBe('ConfigurationError');
    expect(error.target).toBe('AML_WARDEN_POLICY');
    expect(error.message).toContain('policy file not found');
  });

  it('surfaces the policy document error naming the path inside the file', () => {
    const root = appRootWithPolicy('mode: sometimes\n');
    const error = configurationError(() => loadConfig({ ...minimalEnv, AML_WARDEN_POLICY: 'policy/test.yaml' }, { appRoot: root }));
    expect(error.code).toBe('PolicyFileError');
    expect(error.message).toContain('policy/test.yaml');
    expect(error.message).toContain('mode');
  });

  it('reads the CA file relative to the app root', () => {
    const root = appRootWithPolicy('mode: audit\n');
    writeFileSync(join(root, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const config = loadConfig({ ...minimalEnv, AML_WARDEN_POLICY: 'policy/test.yaml', AML_WARDEN_TLS_CA_FILE: 'ca.pem' }, { appRoot: root });
    expect(config.tlsCa).toContain('BEGIN CERTIFICATE');
  });

  it('names AML_WARDEN_TLS_CA_FILE when the CA file is missing or not PEM', () => {
    const root = appRootWithPolicy('mode: audit\n');
    writeFileSync(join(root, 'junk.pem'), 'not a certificate');
    const env = { ...minimalEnv, AML_WARDEN_POLICY: 'policy/test.yaml' };
    expect(configurationError(() => loadConfig({ ...env, AML_WARDEN_TLS_CA_FILE: 'none.pem' }, { appRoot: root })).target).toBe('AML_WARDEN_TLS_CA_FILE');
    expect(configurationError(() => loadConfig({ ...env, AML_WARDEN_TLS_CA_FILE: 'junk.pem' }, { appRoot: root })).target).toBe('AML_WARDEN_TLS_CA_FILE');
  });

  it('finds the app root by walking up to host.json from a nested module folder', () => {
    const root = appRootWithPolicy('mode: audit\n');
    const nested = join(root, 'dist', 'src');
    mkdirSync(nested, { recursive: true });
    expect(findAppRoot(nested)).toBe(root);
  });

  it('finds this repository as the app root of the source tree', () => {
    expect(findAppRoot()).toBe(repositoryRoot);
  });
});

describe('describeConfig', () => {
  const root = appRootWithPolicy('mode: audit\n');
  const env = {
    AML_WARDEN_POLICY: 'policy/test.yaml',
    AML_WARDEN_STATE_TABLE_URL: 'https://acct.table.core.windows.net/?sv=2024&sig=SAS-SIGNATURE',
    APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=11111111-2222-3333-4444-555555555555;IngestionEndpoint=https://eastus.in.applicationinsights.azure.com/',
    AML_WARDEN_KEYVAULT_URL: 'https://kv.vault.azure.net',
    AML_WARDEN_EVENTS_SECRET_NAME: 'events-webhook-key',
  };

  it('hides the connection strings and the SAS token while naming what is configured', () => {
    const summary = describeConfig(loadConfig(env, { appRoot: root }));
    const text = JSON.stringify(summary);
    expect(text).not.toContain('SAS-SIGNATURE');
    expect(text).not.toContain('11111111-2222-3333-4444-555555555555');
    expect(summary.telemetry).toBe('configured');
    expect(summary.state).toEqual({ kind: 'tableUrl', url: 'https://acct.table.core.windows.net' });
    expect(summary.keyVaultUrl).toBe('https://kv.vault.azure.net');
    expect(summary.eventsSecretName).toBe('events-webhook-key');
  });

  it('hides the storage account key of a connection string', () => {
    const summary = describeConfig(loadConfig({ ...minimalEnv, AML_WARDEN_POLICY: 'policy/test.yaml' }, { appRoot: root }));
    expect(JSON.stringify(summary)).not.toContain('Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq');
    expect(summary.state).toEqual({ kind: 'connectionString', connectionString: 'configured' });
    expect(summary.telemetry).toBe('off');
  });
});
