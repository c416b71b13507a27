import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig, loadSettings, settingNames } from '../src/config.js';
import { repositoryRoot } from './helpers/repositoryRoot.js';

const sample = z
  .object({ IsEncrypted: z.literal(false), Values: z.record(z.string(), z.string()) })
  .parse(JSON.parse(readFileSync(join(repositoryRoot, 'local.settings.sample.json'), 'utf8')));

describe('local.settings.sample.json', () => {
  it('lists every setting the app reads', () => {
    expect(Object.keys(sample.Values)).toEqual(expect.arrayContaining(settingNames));
  });

  it('runs the Node worker with development storage for the host', () => {
    expect(sample.Values.FUNCTIONS_WORKER_RUNTIME).toBe('node');
    expect(sample.Values.AzureWebJobsStorage).toBe('UseDevelopmentStorage=true');
  });

  it('holds the working local values: the emulator, its identity provider and Azurite', () => {
    const settings = loadSettings(sample.Values);
    expect(settings).toMatchObject({
      policyPath: 'policy/playground.yaml',
      armEndpoint: 'https://127.0.0.1:7443',
      credential: 'local',
      localIdpUrl: 'https://127.0.0.1:7443/idp',
      tlsCaFile: '.aml-warden/dev/emulator-ca.pem',
      keyVaultUrl: 'https://127.0.0.1:7443',
      auth: { tenantId: '00000000-0000-4000-8000-00000000a11e', clientId: '5f1d3a6e-2b7c-4e0a-9c1d-a11ce0a9e1de', appIdUri: 'api://aml-warden', authority: 'https://127.0.0.1:7443/idp' },
      eventsSecretName: 'events-webhook-key',
      sweepSchedule: '0 0 */6 * * *',
    });
    expect(settings.state.kind === 'connectionString' && settings.state.connectionString).toContain('TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;');
  });

  it('points at the playground policy that ships in the repository, which loads', () => {
    const { AML_WARDEN_TLS_CA_FILE: _caWrittenByNpmStart, ...values } = sample.Values;
    const config = loadConfig(values, { appRoot: repositoryRoot });
    expect(config.policy.mode).toBe('enforce');
  });
});
