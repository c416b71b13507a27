/**
 * The CLI's settings while `npm start` runs from the folder on other ports: local.settings.json still names the
 * default playground, the endpoints file says where the running one is, and each setting records where it came from.
 * The endpoints file is made as `npm start` makes it (playgroundEnvironment, movedSettings, writeEndpointsFile).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectionStringFor, tableUrlFor, queueUrlFor } from '../../dev/azurite.js';
import { movedSettings, removeEndpointsFile, writeEndpointsFile } from '../../dev/endpointsFile.js';
import { playgroundEnvironment } from '../../dev/start.js';
import { cliEnvironment, describeEndpoints } from '../../src/cli/localSettings.js';
import { readPlaygroundStatus } from '../../src/cli/playgroundEndpoints.js';
import { repositoryRoot } from '../helpers/repositoryRoot.js';

let folder: string;
const emulatorUrl = 'https://127.0.0.1:17443';
const connectionString = connectionStringFor(11002, 11001);
const startedAt = '2026-01-01T00:00:00.000Z';

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'aml-warden-provenance-'));
  mkdirSync(join(folder, '.aml-warden', 'dev'), { recursive: true });
  copyFileSync(join(repositoryRoot, 'local.settings.sample.json'), join(folder, 'local.settings.json'));
});

afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

function localSettingsValues(): Record<string, string> {
  return (JSON.parse(readFileSync(join(folder, 'local.settings.json'), 'utf8')) as { Values: Record<string, string> }).Values;
}

function editLocalSettings(changes: Record<string, string>): void {
  writeFileSync(join(folder, 'local.settings.json'), JSON.stringify({ IsEncrypted: false, Values: { ...localSettingsValues(), ...changes } }));
}

/** What `npm start` writes for a playground on 17071/17443/11002/11001 run by process `pid`. */
function writePlaygroundEndpoints(pid: number): void {
  const values = localSettingsValues();
  const caFile = join(folder, '.aml-warden', 'dev', 'emulator-ca.pem');
  const effective = join(folder, '.aml-warden', 'dev', 'effective-policy.yaml');
  const env = {
    ...playgroundEnvironment(values, { cwd: folder, emulatorUrl, caFile, azuriteConnectionString: connectionString, azuriteTableUrl: tableUrlFor(11002) }),
    AML_WARDEN_POLICY: effective,
  };
  writeEndpointsFile(folder, {
    version: 1,
    pid,
    startedAt,
    folder,
    app: { url: 'http://127.0.0.1:17071' },
    emulator: { url: emulatorUrl, idpUrl: `${emulatorUrl}/idp`, caFile },
    azurite: { tableUrl: tableUrlFor(11002), queueUrl: queueUrlFor(11001), connectionString, reused: false },
    policy: { source: join(folder, 'policy', 'playground.yaml'), effective },
    settings: movedSettings(values, values, env),
  });
}

/** The pid of a process that has ended. */
async function endedPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.once('exit', resolve));
  if (child.pid === undefined) throw new Error('no pid');
  return child.pid;
}

describe('the CLI settings while npm start runs on other ports', () => {
  it("takes the running playground's addresses where local.settings.json names the defaults npm start replaced, and says so", () => {
    writePlaygroundEndpoints(process.pid);
    const endpointsFile = join(folder, '.aml-warden', 'dev', 'endpoints.json');
    const { env, provenance, fromFile } = cliEnvironment({}, folder);

    expect(env).toMatchObject({
      AML_WARDEN_ARM_ENDPOINT: emulatorUrl,
      AML_WARDEN_LOCAL_IDP_URL: `${emulatorUrl}/idp`,
      AML_WARDEN_KEYVAULT_URL: emulatorUrl,
      AML_WARDEN_STATE_CONNECTION_STRING: connectionString,
      AML_WARDEN_QUEUE: connectionString,
      AML_WARDEN_TLS_CA_FILE: join(folder, '.aml-warden', 'dev', 'emulator-ca.pem'),
      AML_WARDEN_POLICY: join(folder, '.aml-warden', 'dev', 'effective-policy.yaml'),
      AML_WARDEN_TABLE_PREFIX: 'amlwarden',
    });
    const fromPlayground = { kind: 'playground', file: endpointsFile, pid: process.pid, inPlaceOfLocalSettings: true };
    expect(provenance.sources['AML_WARDEN_ARM_ENDPOINT']).toEqual(fromPlayground);
    expect(provenance.sources['AML_WARDEN_POLICY']).toEqual(fromPlayground);
    expect(provenance.sources['AML_WARDEN_TABLE_PREFIX']).toEqual({ kind: 'localSettings', file: join(folder, 'local.settings.json') });
    expect(fromFile).toContain('AML_WARDEN_TABLE_PREFIX');
    expect(fromFile).not.toContain('AML_WARDEN_ARM_ENDPOINT');
    expect(provenance.endpoints).toEqual(
      expect.arrayContaining([
        { service: 'arm', url: emulatorUrl, setting: 'AML_WARDEN_ARM_ENDPOINT', source: fromPlayground },
        { service: 'table', url: tableUrlFor(11002), setting: 'AML_WARDEN_STATE_CONNECTION_STRING', source: fromPlayground },
        { service: 'queue', url: queueUrlFor(11001), setting: 'AML_WARDEN_QUEUE', source: fromPlayground },
      ]),
    );
    expect(provenance.playground.state).toBe('running');
  });

  it('lets a setting the environment sets, and a value edited in local.settings.json, win over the playground', () => {
    writePlaygroundEndpoints(process.pid);
    editLocalSettings({ AML_WARDEN_KEYVAULT_URL: 'https://kv-team.vault.azure.net' });
    const { env, provenance } = cliEnvironment({ AML_WARDEN_ARM_ENDPOINT: 'https://127.0.0.1:9443' }, folder);
    expect(env['AML_WARDEN_ARM_ENDPOINT']).toBe('https://127.0.0.1:9443');
    expect(provenance.sources['AML_WARDEN_ARM_ENDPOINT']).toEqual({ kind: 'environment' });
    expect(env['AML_WARDEN_KEYVAULT_URL']).toBe('https://kv-team.vault.azure.net');
    expect(provenance.sources['AML_WARDEN_KEYVAULT_URL']).toEqual({ kind: 'localSettings', file: join(folder, 'local.settings.json') });
    // The rest still follows the playground.
    expect(env['AML_WARDEN_LOCAL_IDP_URL']).toBe(`${emulatorUrl}/idp`);
  });

  it('ignores the endpoints file of an npm start that has ended, and reports it as stopped', async () => {
    const pid = await endedPid();
    writePlaygroundEndpoints(pid);
    const { env, provenance } = cliEnvironment({}, folder);
    expect(env['AML_WARDEN_ARM_ENDPOINT']).toBe('https://127.0.0.1:7443');
    expect(provenance.sources['AML_WARDEN_ARM_ENDPOINT']).toEqual({ kind: 'localSettings', file: join(folder, 'local.settings.json') });
    expect(provenance.playground).toEqual({ state: 'stopped', file: join(folder, '.aml-warden', 'dev', 'endpoints.json'), pid });
  });

  it('reads a damaged endpoints file as unreadable and uses local.settings.json', () => {
    writeFileSync(join(folder, '.aml-warden', 'dev', 'endpoints.json'), '{"version": 1, "pid": "x"}');
    const { env, provenance } = cliEnvironment({}, folder);
    expect(env['AML_WARDEN_ARM_ENDPOINT']).toBe('https://127.0.0.1:7443');
    expect(provenance.playground).toMatchObject({ state: 'unreadable' });
  });

  it('describes each address with its source and never a storage key', () => {
    writePlaygroundEndpoints(process.pid);
    const lines = describeEndpoints(cliEnvironment({}, folder).provenance);
    expect(lines).toContain(
      `AML_WARDEN_STATE_CONNECTION_STRING ${tableUrlFor(11002)} (from ${join(folder, '.aml-warden', 'dev', 'endpoints.json')}, written by npm start (pid ${process.pid}) in place of local.settings.json's value)`,
    );
    expect(lines.join('\n')).not.toContain('AccountKey');
    expect(lines.join('\n')).not.toContain('Eby8');
  });

  it('records, for each setting npm start replaced, only a fingerprint of the value it replaced', () => {
    editLocalSettings({ AML_WARDEN_STATE_CONNECTION_STRING: 'DefaultEndpointsProtocol=https;AccountName=prod;AccountKey=c2VjcmV0LWtleQ==;EndpointSuffix=core.windows.net' });
    writePlaygroundEndpoints(process.pid);
    const text = readFileSync(join(folder, '.aml-warden', 'dev', 'endpoints.json'), 'utf8');
    expect(text).not.toContain('c2VjcmV0LWtleQ');
    expect(cliEnvironment({}, folder).env['AML_WARDEN_STATE_CONNECTION_STRING']).toBe(connectionString);
  });

  it('is removed by the npm start that wrote it, and only by it', () => {
    writePlaygroundEndpoints(process.pid);
    removeEndpointsFile(folder, '2025-12-31T00:00:00.000Z');
    expect(readPlaygroundStatus(folder).state).toBe('running');
    removeEndpointsFile(folder, startedAt);
    expect(readPlaygroundStatus(folder).state).toBe('none');
  });
});
