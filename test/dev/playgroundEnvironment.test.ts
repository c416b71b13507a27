import { describe, expect, it } from 'vitest';
import { describePlayground, playgroundEnvironment, withShellOverrides } from '../../dev/start.js';

const sampleValues = {
  FUNCTIONS_WORKER_RUNTIME: 'node',
  AML_WARDEN_POLICY: 'policy/playground.yaml',
  AML_WARDEN_ARM_ENDPOINT: 'https://127.0.0.1:7443',
  AML_WARDEN_CREDENTIAL: 'local',
  AML_WARDEN_LOCAL_IDP_URL: 'https://127.0.0.1:7443/idp',
  AML_WARDEN_TLS_CA_FILE: '.aml-warden/dev/emulator-ca.pem',
  AML_WARDEN_STATE_CONNECTION_STRING:
    'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=k;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;',
  AML_WARDEN_KEYVAULT_URL: 'https://127.0.0.1:7443',
  AML_WARDEN_AUTH_AUTHORITY: 'https://127.0.0.1:7443/idp',
  AML_WARDEN_STUDIO_URL: 'https://ml.azure.com',
};

const endpoints = {
  cwd: '/projects/aml-warden',
  emulatorUrl: 'https://127.0.0.1:9443',
  caFile: '/projects/aml-warden/.aml-warden/dev/emulator-ca.pem',
  azuriteConnectionString: 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=k;TableEndpoint=http://127.0.0.1:20002/devstoreaccount1;',
  azuriteTableUrl: 'http://127.0.0.1:20002/devstoreaccount1',
};

describe('playgroundEnvironment', () => {
  it('moves the playground addresses of local.settings.json to the emulator and Azurite actually running', () => {
    const env = playgroundEnvironment(sampleValues, endpoints);
    expect(env['AML_WARDEN_ARM_ENDPOINT']).toBe('https://127.0.0.1:9443');
    expect(env['AML_WARDEN_LOCAL_IDP_URL']).toBe('https://127.0.0.1:9443/idp');
    expect(env['AML_WARDEN_AUTH_AUTHORITY']).toBe('https://127.0.0.1:9443/idp');
    expect(env['AML_WARDEN_KEYVAULT_URL']).toBe('https://127.0.0.1:9443');
    expect(env['AML_WARDEN_STATE_CONNECTION_STRING']).toBe(endpoints.azuriteConnectionString);
  });

  it('keeps values that point somewhere else', () => {
    const env = playgroundEnvironment({ ...sampleValues, AML_WARDEN_KEYVAULT_URL: 'https://kv-prod.vault.azure.net' }, endpoints);
    expect(env['AML_WARDEN_KEYVAULT_URL']).toBe('https://kv-prod.vault.azure.net');
    expect(env['AML_WARDEN_STUDIO_URL']).toBe('https://ml.azure.com');
    expect(env['FUNCTIONS_WORKER_RUNTIME']).toBe('node');
  });

  it('resolves the policy and CA paths against the project folder and trusts the emulator CA in Node', () => {
    const env = playgroundEnvironment(sampleValues, endpoints);
    expect(env['AML_WARDEN_POLICY']).toBe('/projects/aml-warden/policy/playground.yaml');
    expect(env['AML_WARDEN_TLS_CA_FILE']).toBe('/projects/aml-warden/.aml-warden/dev/emulator-ca.pem');
    expect(env['NODE_EXTRA_CA_CERTS']).toBe(endpoints.caFile);
  });

  it('fills the local settings a sparse local.settings.json leaves out', () => {
    const env = playgroundEnvironment({ FUNCTIONS_WORKER_RUNTIME: 'node' }, endpoints);
    expect(env).toMatchObject({
      AML_WARDEN_ARM_ENDPOINT: endpoints.emulatorUrl,
      AML_WARDEN_CREDENTIAL: 'local',
      AML_WARDEN_LOCAL_IDP_URL: `${endpoints.emulatorUrl}/idp`,
      AML_WARDEN_TLS_CA_FILE: endpoints.caFile,
      AML_WARDEN_STATE_CONNECTION_STRING: endpoints.azuriteConnectionString,
    });
  });

  it('leaves an identity-based table URL in place instead of adding a connection string', () => {
    const env = playgroundEnvironment(
      { AML_WARDEN_STATE_TABLE_URL: 'https://st.table.core.windows.net', AML_WARDEN_CREDENTIAL: 'default' },
      endpoints,
    );
    expect(env['AML_WARDEN_STATE_TABLE_URL']).toBe('https://st.table.core.windows.net');
    expect(env['AML_WARDEN_STATE_CONNECTION_STRING']).toBeUndefined();
  });
});

describe('describePlayground', () => {
  const playground = {
    appUrl: 'http://127.0.0.1:7071',
    emulatorUrl: 'https://127.0.0.1:7443',
    caFile: '/p/.aml-warden/dev/emulator-ca.pem',
    azurite: { tableUrl: 'http://127.0.0.1:10002/devstoreaccount1', port: 10002, reused: true, pid: undefined },
    runner: 'host' as const,
    keysFile: '/p/.aml-warden/dev/host-keys.json',
    endpointsFile: '/p/.aml-warden/dev/endpoints.json',
    policy: { source: '/p/policy/playground.yaml', effective: '/p/.aml-warden/dev/effective-policy.yaml' },
  };

  it('prints every address, a health curl and how to mint a token', () => {
    const text = describePlayground(playground, '/p').join('\n');
    expect(text).toContain('curl http://127.0.0.1:7071/api/health');
    expect(text).toContain('npx aml-warden dev token --user requester@contoso.com --role ComputeRequester');
    expect(text).toContain('https://127.0.0.1:7443');
    expect(text).toContain('http://127.0.0.1:10002/devstoreaccount1  (already running, reused)');
    expect(text).toContain('offline host');
    expect(text).toContain('.aml-warden/dev/emulator-ca.pem');
    expect(text).toContain('runtime/webhooks/eventgrid?functionName=<name>&code=<key>');
    expect(text).toContain('host keys  .aml-warden/dev/host-keys.json');
  });

  it('names the policy, the copy the app reads and the endpoints file, and needs no --idp on other ports', () => {
    const text = describePlayground({ ...playground, emulatorUrl: 'https://127.0.0.1:9443' }, '/p').join('\n');
    expect(text).toContain('policy     policy/playground.yaml  (the app reads .aml-warden/dev/effective-policy.yaml: its CD targets on https://127.0.0.1:9443)');
    expect(text).toContain('endpoints  .aml-warden/dev/endpoints.json');
    // `dev token` finds the identity provider in the endpoints file.
    expect(text).toContain('npx aml-warden dev token --user requester@contoso.com --role ComputeRequester\n');
    expect(text).not.toContain('--idp');
  });
});

describe('withShellOverrides', () => {
  it('lets a setting exported in the shell win over local.settings.json, as under Core Tools', () => {
    const merged = withShellOverrides(sampleValues, { AML_WARDEN_STUDIO_URL: 'https://studio.example', AML_WARDEN_POLICY: '', PATH: '/usr/bin' });
    expect(merged['AML_WARDEN_STUDIO_URL']).toBe('https://studio.example');
    // An empty shell value does not blank the file's value; variables the file does not name are not added.
    expect(merged['AML_WARDEN_POLICY']).toBe('policy/playground.yaml');
    expect(merged['PATH']).toBeUndefined();
  });
});
