/**
 * `aml-warden sweep` run from a folder holding local.settings.json, with nothing exported: as from a checkout. The CLI
 * plans the sweep; the slices are worked by the app's queue function on an offline host, as `npm start` runs it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type FunctionsHost } from '../../dev/host/host.js';
import { runCli } from '../../src/cli.js';
import { composeApp, productionAdapters, setAppForProcess } from '../../src/composition.js';
import { loadConfig } from '../../src/config.js';
import { startGovernanceKit, type GovernanceKit } from '../helpers/governanceKit.js';
import { localAzureSettings } from '../../dev/localAzureSettings.js';
import { policyForEmulator } from '../../dev/playgroundPolicy.js';
import { repositoryRoot } from '../helpers/repositoryRoot.js';

let kit: GovernanceKit;
let cwd: string;
let host: FunctionsHost | undefined;

beforeAll(async () => {
  kit = await startGovernanceKit();
  cwd = mkdtempSync(join(tmpdir(), 'aml-warden-cli-cwd-'));
  const policy = policyForEmulator(readFileSync(join(repositoryRoot, 'policy', 'playground.yaml'), 'utf8'), kit.emulator.url);
  writeFileSync(join(cwd, 'policy.yaml'), policy);
  writeFileSync(join(cwd, 'emulator-ca.pem'), kit.emulator.caPem);
});

afterAll(async () => {
  setAppForProcess(undefined);
  await host?.close();
  await kit?.close();
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

function writeLocalSettings(values: Record<string, string>): void {
  writeFileSync(join(cwd, 'local.settings.json'), JSON.stringify({ IsEncrypted: false, Values: { FUNCTIONS_WORKER_RUNTIME: 'node', ...values } }, null, 2));
}

async function cli(args: string[], env: NodeJS.ProcessEnv) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), cwd }, { env });
  return { code, stdout, stderr };
}

describe('aml-warden reads local.settings.json from the current folder', () => {
  it('sweeps with the Values of local.settings.json when the environment sets none, and says so with --verbose', async () => {
    const values = {
      ...localAzureSettings(
        { emulatorUrl: kit.emulator.url, azuriteConnectionString: kit.azurite.connectionString },
        { policy: join(cwd, 'policy.yaml'), caFile: join(cwd, 'emulator-ca.pem') },
      ),
      AML_WARDEN_STATE_TABLE_URL: '',
    };
    writeLocalSettings({ ...values, AML_WARDEN_TABLE_PREFIX: 'fromfile' });
    // The app that works the slices, as `npm start` would run it with the environment's prefix.
    const config = loadConfig({ ...values, AML_WARDEN_TABLE_PREFIX: 'fromenv' }, { appRoot: cwd });
    setAppForProcess(composeApp(config, productionAdapters(config)));
    host = await startHost({
      entry: join(repositoryRoot, 'src', 'index.ts'),
      timers: false,
      hostJson: { version: '2.0', extensions: { queues: { maxPollingInterval: '00:00:00.500' } } },
      env: { AML_WARDEN_QUEUE: kit.azurite.connectionString },
      log: () => {},
    });
    // The environment wins: the table prefix comes from it, not from the file.
    const result = await cli(['sweep', '--mode', 'audit', '--verbose', '--fail-on', 'none'], { AML_WARDEN_TABLE_PREFIX: 'fromenv' });
    expect(result.stderr).toContain(`settings: the environment, and ${join(cwd, 'local.settings.json')} for`);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/mlw-demo\s+gpu-cluster\s+scaling\./);
    const { TableServiceClient } = await import('@azure/data-tables');
    const tables: string[] = [];
    for await (const table of TableServiceClient.fromConnectionString(kit.azurite.connectionString, { allowInsecureConnection: true }).listTables()) tables.push(table.name ?? '');
    expect(tables.some((name) => name.startsWith('fromenv'))).toBe(true);
    expect(tables.some((name) => name.startsWith('fromfile'))).toBe(false);
  });

  it('names the file when local.settings.json is malformed', async () => {
    writeFileSync(join(cwd, 'local.settings.json'), '{ "Values": { "AML_WARDEN_POLICY": "policy.yaml", } ');
    const result = await cli(['what-if'], {});
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`aml-warden what-if: ${join(cwd, 'local.settings.json')} is not valid JSON`);
    expect(result.stdout).toBe('');
  });

  it('says where settings are looked for when neither the environment nor a file provides them', async () => {
    rmSync(join(cwd, 'local.settings.json'), { force: true });
    const result = await cli(['sweep', '--verbose'], {});
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`settings: the environment (no local.settings.json in ${cwd})`);
    expect(result.stderr).toMatch(/ConfigurationError|AML_WARDEN_/);
    expect(result.stderr).toContain(`${cwd} has none`);
  });
});
