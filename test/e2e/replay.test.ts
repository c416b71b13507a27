import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/cli.js';
import { modelRegisteredEvent, seedModelVersion, startEventsTestbed, type EventsTestbed } from '../helpers/eventsTestbed.js';
import { readPublishedFixture } from '../helpers/publishedFixtures.js';
import { retrainedModelsPolicy } from '../../dev/playgroundPolicy.js';

const policy = (url: string): string => retrainedModelsPolicy(url, { rule: { modelTags: { retrained: 'true' }, match: 'any' } });

let bed: EventsTestbed;
let dir: string;

beforeAll(async () => {
  bed = await startEventsTestbed({ policy });
  dir = mkdtempSync(join(tmpdir(), 'aml-warden-replay-'));
});

afterAll(async () => {
  await bed?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

function capture(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (text) => out.push(text), stderr: (text) => err.push(text), cwd: dir };
}

async function runsFor(modelName: string): Promise<number> {
  return (await bed.adoRuns(1)).filter((run) => run.templateParameters['modelName'] === modelName).length;
}

describe('aml-warden replay <event-file> [--dry-run]', () => {
  it('--dry-run prints each decision and starts nothing; without it the same file starts one run, once', async () => {
    const retrained = await seedModelVersion(await bed.arm(), { name: 'replay-a', version: '4', experiment: 'retrain-replay', pipeline: true });
    const manual = await seedModelVersion(await bed.arm(), { name: 'replay-b', version: '1', experiment: 'adhoc' });
    // A kind whose use case has no dry run.
    const [writeEvent] = JSON.parse(readPublishedFixture('events/eventgrid-ResourceWriteSuccess.json')) as Record<string, unknown>[];
    const resourceEvent = [{ ...writeEvent, eventType: 'Microsoft.Resources.ResourceDeleteSuccess' }];
    writeFileSync(
      join(dir, 'events.json'),
      JSON.stringify([modelRegisteredEvent('replay-1', retrained), modelRegisteredEvent('replay-2', manual, 'camel'), ...resourceEvent]),
    );

    const dry = capture();
    expect(await runCli(['replay', 'events.json', '--dry-run'], dry, { app: bed.app })).toBe(0);
    const lines = dry.out.join('').trim().split('\n');
    expect(lines[0]).toMatch(/^replay-1 ModelRegistered models\/replay-a:4: would start Azure DevOps contoso\/mlops pipeline 1 for model replay-a:4 with modelName=replay-a modelVersion=4 workspaceId=\/subscriptions\//);
    expect(lines[1]).toContain("replay-2 ModelRegistered models/replay-b:1: would skip model replay-b:1: experiment 'adhoc' matches none of retrain*");
    expect(lines[2]).toContain('not replayed in a dry run');
    expect(await runsFor('replay-a')).toBe(0);
    expect(bed.telemetryEvents('CdSkipped')).toEqual([]);

    const real = capture();
    writeFileSync(join(dir, 'model-events.json'), JSON.stringify([modelRegisteredEvent('replay-1', retrained), modelRegisteredEvent('replay-2', manual)]));
    expect(await runCli(['replay', join(dir, 'model-events.json')], real, { app: bed.app })).toBe(0);
    expect(real.out.join('')).toMatch(/replay-1 ModelRegistered models\/replay-a:4: started run \d+/);
    expect(await runsFor('replay-a')).toBe(1);
    expect(await runsFor('replay-b')).toBe(0);

    const again = capture();
    expect(await runCli(['replay', 'model-events.json'], again, { app: bed.app })).toBe(0);
    expect(again.out.join('')).toContain('already started');
    expect(await runsFor('replay-a')).toBe(1);

    const afterRun = capture();
    expect(await runCli(['replay', 'model-events.json', '--dry-run'], afterRun, { app: bed.app })).toBe(0);
    expect(afterRun.out.join('')).toContain("would start nothing for model replay-a:4 on 'model-cd': already started");
  });

  it('answers usage errors with exit code 2 and an unreadable file with 3', async () => {
    const io = capture();
    expect(await runCli(['replay'], io, { app: bed.app })).toBe(2);
    expect(io.err.join('')).toContain("missing required argument 'event-file'");
    expect(await runCli(['replay', 'missing.json'], io, { app: bed.app })).toBe(3);
    expect(io.err.join('')).toContain('cannot read events from');
    expect(await runCli(['frobnicate'], io)).toBe(2);
    expect(io.err.join('')).toContain("unknown command 'frobnicate'");
    expect(await runCli(['replya', 'events.json'], io)).toBe(2);
    expect(io.err.join('')).toContain('(Did you mean replay?)');
  });
});
