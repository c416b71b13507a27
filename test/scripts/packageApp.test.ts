import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPackage } from '../../scripts/package.js';
import { WORKSPACE_ID, modelRegisteredEvent, seedModelVersion, startEventsTestbed, type EventsTestbed } from '../helpers/eventsTestbed.js';
import { retrainedModelsPolicy } from '../../dev/playgroundPolicy.js';
import { repositoryRoot } from '../helpers/repositoryRoot.js';

const root = repositoryRoot;

const policy = (url: string): string => retrainedModelsPolicy(url);

// What Azure runs is the bundle, not the source: its lazily loaded SDK chunks must work, not just load.
describe('the packaged app', () => {
  let folder: string;
  let bed: EventsTestbed;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'aml-warden-package-app-'));
    const result = await buildPackage({ root, outDir: join(folder, 'package'), zipFile: join(folder, 'aml-warden.zip') });
    // Telemetry on (to a loopback endpoint that refuses), so the bundled Application Insights SDK is loaded and used too.
    process.env['APPLICATIONINSIGHTS_CONNECTION_STRING'] = 'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:1/';
    bed = await startEventsTestbed({ policy, host: true, entry: join(result.outDir, 'main.js') });
  }, 120_000);

  afterAll(async () => {
    await bed?.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('starts the model CD for a retrained version through the bundled Azure SDK clients, once', async () => {
    const model = await seedModelVersion(await bed.arm(), { name: 'bundled-model', version: '1', experiment: 'retrain-bundled' });
    expect(await bed.deliver([modelRegisteredEvent('mr-bundled-1', model)])).toBe(200);
    expect(await bed.deliver([modelRegisteredEvent('mr-bundled-1-again', model)])).toBe(200);

    const runs = (await bed.adoRuns(1)).filter((run) => run.templateParameters['modelName'] === 'bundled-model');
    expect(runs.map((run) => run.templateParameters)).toEqual([{ modelName: 'bundled-model', modelVersion: '1', workspaceId: WORKSPACE_ID, idempotencyKey: expect.stringMatching(/^amlw-[0-9a-f]{32}$/) }]);
    expect(bed.hostLog.join('\n')).not.toContain('→ dropped');
  });
});
