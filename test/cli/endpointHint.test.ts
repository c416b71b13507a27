/**
 * What a command says when it cannot reach a service: real failures — the app's own adapters and Node.js's fetch
 * against a closed port on loopback, the credential against an emulator whose CA is not the trusted one — explained
 * with the service, its address and where that address came from.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectionStringFor, queueUrlFor, tableUrlFor } from '../../dev/azurite.js';
import { writeEndpointsFile } from '../../dev/endpointsFile.js';
import { startEmulator, type RunningEmulator } from '../../dev/emulator/server.js';
import { createEmulatorCertificate } from '../../dev/emulator/tls.js';
import { localAzureSettings } from '../../dev/localAzureSettings.js';
import { findFreePort } from '../../dev/ports.js';
import { runCli } from '../../src/cli.js';
import { explainUnreachable } from '../../src/cli/endpointHint.js';
import { findRefusedLocalEndpoint } from '../../src/cli/localEndpointProbe.js';
import { cliEnvironment } from '../../src/cli/localSettings.js';
import { composeApp, type App } from '../../src/composition.js';
import { loadConfig } from '../../src/config.js';
import { AppError } from '../../src/errors.js';
import { repositoryRoot } from '../helpers/repositoryRoot.js';

let emulator: RunningEmulator;
let closedPort: number;
let folder: string;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  // Free now, and nothing here listens on it: connections to it are refused.
  closedPort = await findFreePort();
});

afterAll(async () => {
  await emulator?.close();
});

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'aml-warden-hint-'));
  copyFileSync(join(repositoryRoot, 'policy', 'playground.yaml'), join(folder, 'policy.yaml'));
  writeFileSync(join(folder, 'emulator-ca.pem'), emulator.caPem);
  return () => rmSync(folder, { recursive: true, force: true });
});

function writeLocalSettings(values: Record<string, string>): string {
  const file = join(folder, 'local.settings.json');
  writeFileSync(file, JSON.stringify({ IsEncrypted: false, Values: values }));
  return file;
}

/** local.settings.json naming an emulator and Azurite on the given ports, as the sample names 7443 and 10002. */
function settingsAt(emulatorUrl: string, tablePort: number, queuePort: number): Record<string, string> {
  return localAzureSettings({ emulatorUrl, azuriteConnectionString: connectionStringFor(tablePort, queuePort) }, { policy: join(folder, 'policy.yaml'), caFile: join(folder, 'emulator-ca.pem') });
}

function appFrom(env: NodeJS.ProcessEnv): App {
  return composeApp(loadConfig(env, { appRoot: folder }));
}

async function failureOf(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('explainUnreachable', () => {
  it('names the emulator, its URL and local.settings.json when the connection is refused, and says no playground runs', async () => {
    const file = writeLocalSettings(settingsAt(`https://127.0.0.1:${closedPort}`, emulator.port, emulator.port));
    const { env, provenance } = cliEnvironment({}, folder);
    const error = await failureOf(() => appFrom(env).adapters.credential.getToken('https://management.azure.com/.default'));

    const hint = explainUnreachable(error, provenance);
    // The app's HTTP client names the host, not the path: everything the emulator serves there is named.
    expect(hint).toContain(
      `Cannot reach the emulator's Azure Resource Manager, identity provider and Key Vault at https://127.0.0.1:${closedPort}: the connection was refused`,
    );
    expect(hint).toContain(`AML_WARDEN_ARM_ENDPOINT, AML_WARDEN_LOCAL_IDP_URL and AML_WARDEN_KEYVAULT_URL come from ${file}.`);
    expect(hint).toContain(`No playground is running from ${folder}: start it with \`npm start\``);
    expect(hint).toContain(join(folder, '.aml-warden', 'dev', 'endpoints.json'));
  });

  it("names Azurite's Table service when the state store's connection is refused, though its error carries no address", async () => {
    const file = writeLocalSettings(settingsAt(emulator.url, closedPort, closedPort));
    const { env, provenance } = cliEnvironment({}, folder);
    const error = await failureOf(() => appFrom(env).adapters.state.table('hints').get('p', 'r'));
    expect(error).toBeInstanceOf(AppError);

    const hint = explainUnreachable(error, provenance);
    expect(hint).toContain(`Cannot reach Azurite's Table service at ${tableUrlFor(closedPort)}: the connection was refused`);
    expect(hint).toContain(`AML_WARDEN_STATE_CONNECTION_STRING comes from ${file}.`);
    expect(hint).not.toContain('AccountKey');
  });

  it('tells to unset the variable that points away from the playground running on other ports', async () => {
    writeLocalSettings(settingsAt('https://127.0.0.1:7443', 10002, 10001));
    mkdirSync(join(folder, '.aml-warden', 'dev'), { recursive: true });
    const endpointsFile = writeEndpointsFile(folder, {
      version: 1,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      folder,
      app: { url: 'http://127.0.0.1:17071' },
      emulator: { url: emulator.url, idpUrl: `${emulator.url}/idp`, caFile: join(folder, 'emulator-ca.pem') },
      azurite: { tableUrl: tableUrlFor(11002), queueUrl: queueUrlFor(11001), connectionString: connectionStringFor(11002, 11001), reused: false },
      policy: { source: join(folder, 'policy.yaml'), effective: join(folder, 'policy.yaml') },
      settings: {},
    });
    const { provenance } = cliEnvironment({ AML_WARDEN_ARM_ENDPOINT: `https://127.0.0.1:${closedPort}` }, folder);
    // Node.js's fetch wraps the refusal in `cause`.
    const error = await failureOf(() => fetch(`https://127.0.0.1:${closedPort}/subscriptions?api-version=2022-12-01`));

    const hint = explainUnreachable(error, provenance);
    expect(hint).toContain(`Cannot reach the emulator's Azure Resource Manager at https://127.0.0.1:${closedPort}`);
    expect(hint).toContain('AML_WARDEN_ARM_ENDPOINT comes from the environment.');
    expect(hint).toContain(`The playground that npm start (pid ${process.pid}) runs from this folder is on ${emulator.url} (the emulator)`);
    expect(hint).toContain(endpointsFile);
    expect(hint).toContain('unset AML_WARDEN_ARM_ENDPOINT in this shell');
  });

  it("names the CA setting and its source when the emulator's certificate is not the trusted one", async () => {
    writeFileSync(join(folder, 'another-ca.pem'), createEmulatorCertificate().cert);
    const file = writeLocalSettings({ ...settingsAt(emulator.url, closedPort, closedPort), AML_WARDEN_TLS_CA_FILE: join(folder, 'another-ca.pem') });
    const { env, provenance } = cliEnvironment({}, folder);
    const error = await failureOf(() => appFrom(env).adapters.credential.getToken('https://management.azure.com/.default'));

    const hint = explainUnreachable(error, provenance);
    expect(hint).toMatch(
      new RegExp(`^Cannot reach the emulator's Azure Resource Manager, identity provider and Key Vault at ${emulator.url}: its TLS certificate is not trusted \\([A-Z_]+\\)`),
    );
    expect(hint).toContain(`The CA trusted for it is ${join(folder, 'another-ca.pem')} (AML_WARDEN_TLS_CA_FILE, from ${file})`);
    // Something answers there: no advice to start a playground.
    expect(hint).not.toContain('npm start');
  });

  it('leaves every other error alone', () => {
    const { provenance } = cliEnvironment({}, folder);
    expect(explainUnreachable(new AppError('NotFound', "Workspace 'x' not found"), provenance)).toBeUndefined();
    expect(explainUnreachable(new Error('boom', { cause: new Error('deeper') }), provenance)).toBeUndefined();
    expect(explainUnreachable('a string', provenance)).toBeUndefined();
  });
});

describe('findRefusedLocalEndpoint', () => {
  it('explains the first loopback address that refuses connections, before any SDK retries', async () => {
    writeLocalSettings(settingsAt(emulator.url, closedPort, closedPort));
    const { provenance } = cliEnvironment({}, folder);
    const hint = await findRefusedLocalEndpoint(provenance);
    expect(hint).toMatch(new RegExp(`^Cannot reach Azurite's Table and Queue services at http://127\\.0\\.0\\.1:${closedPort}/devstoreaccount1: the connection was refused`));
  });

  it('finds nothing when every loopback address listens, and never probes addresses off this machine', async () => {
    writeLocalSettings({ ...settingsAt(emulator.url, emulator.port, emulator.port), AML_WARDEN_KEYVAULT_URL: 'https://kv-team.vault.azure.net' });
    expect(await findRefusedLocalEndpoint(cliEnvironment({}, folder).provenance)).toBeUndefined();
  });
});

describe('aml-warden against a playground that is not running', () => {
  it('fails naming the service, its address and local.settings.json, before any SDK retries', async () => {
    const file = writeLocalSettings(settingsAt(`https://127.0.0.1:${closedPort}`, closedPort, closedPort));
    let stderr = '';
    let stdout = '';
    const code = await runCli(['what-if'], { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), cwd: folder }, { env: {} });
    expect(code).not.toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^aml-warden what-if: Cannot reach /);
    expect(stderr).toContain(`127.0.0.1:${closedPort}`);
    expect(stderr).toContain(`come from ${file}.`);
    expect(stderr).toContain('start it with `npm start`');
  });
});
