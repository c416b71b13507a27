import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandJob, fixtureEvent, modelRegisteredEvent, seedModelVersion, startEventsTestbed, WORKSPACE_ID, type EventsTestbed } from '../helpers/eventsTestbed.js';
import { emulatorPipelineTarget, retrainedModelsPolicy } from '../../dev/playgroundPolicy.js';
import { readPublishedFixture } from '../helpers/publishedFixtures.js';

const policy = (url: string): string =>
  retrainedModelsPolicy(url, {
    targets: { retrain: emulatorPipelineTarget(url, 2) },
    sections: {
      notifications: {
        channels: { teams: { kind: 'teams', urlSecretName: 'teams-webhook-url' }, generic: { kind: 'webhook', urlSecretName: 'generic-webhook-url' } },
        cd: { channel: 'teams' },
        events: { RunCompleted: 'generic', ModelDeployed: 'generic' },
      },
      driftRetrain: { enabled: true, target: 'retrain' },
    },
  });

let bed: EventsTestbed;

beforeAll(async () => {
  bed = await startEventsTestbed({ policy, host: true });
});

afterAll(async () => {
  await bed?.close();
});

/** The docs sample, pointed at the playground workspace (its PascalCase keys kept). */
function driftEvent(id: string, runId: string): Record<string, unknown> {
  return fixtureEvent('eventgrid-DatasetDriftDetected.json', {
    id,
    subject: `datadrifts/01d29aa4-e6a4-470a-9ef3-66660d21f8ef/runs/${runId}`,
    data: {
      DataDriftId: '01d29aa4-e6a4-470a-9ef3-66660d21f8ef',
      DataDriftName: 'myDriftMonitor',
      RunId: runId,
      BaseDatasetId: '3c56d136-0f64-4657-a0e8-5162089a88a3',
      TargetDatasetId: 'd7e74d2e-c972-4266-b5fb-6c9c182d2a74',
      DriftCoefficient: 0.83503490684792081,
      StartTime: '2019-07-04T00:00:00+00:00',
      EndTime: '2019-07-05T00:00:00+00:00',
    },
  });
}

describe('DatasetDriftDetected → retraining, and the loop back to model CD', () => {
  it('a drift run starts the retraining pipeline once, however often it is delivered, and tells the team', async () => {
    const event = driftEvent('drift-1', 'drift-run-1');
    const statuses = await Promise.all([bed.deliver([event]), bed.deliver([event]), bed.deliver([event])]);
    // One delivery starts the run; one still in flight when the others arrive makes them fail, and Event Grid redelivers them.
    expect(statuses).toContain(200);
    expect(statuses.filter((status) => status !== 200).every((status) => status === 500)).toBe(true);
    for (const status of statuses) if (status !== 200) expect(await bed.deliver([event])).toBe(200);
    expect(await bed.deliver([driftEvent('drift-1-again', 'drift-run-1')])).toBe(200);

    const runs = (await bed.adoRuns(2)).filter((run) => run.templateParameters['driftRunId'] === 'drift-run-1');
    expect(runs).toHaveLength(1);
    expect(runs[0]?.templateParameters).toMatchObject({
      workspaceId: WORKSPACE_ID,
      dataDriftName: 'myDriftMonitor',
      targetDatasetId: 'd7e74d2e-c972-4266-b5fb-6c9c182d2a74',
    });
    const notices = (await bed.sink('teams')).filter((delivery) => JSON.stringify(delivery.body).includes('Retraining started'));
    expect(notices).toHaveLength(1);
    expect(JSON.stringify(notices[0]?.body)).toContain(runs[0]?._links.web.href ?? 'missing link');
  });

  it('the retrained model the pipeline registers goes on to model CD', async () => {
    expect(await bed.deliver([driftEvent('drift-2', 'drift-run-2')])).toBe(200);
    expect((await bed.adoRuns(2)).filter((run) => run.templateParameters['driftRunId'] === 'drift-run-2')).toHaveLength(1);

    // What the retraining pipeline does when it runs: train in a retrain… experiment and register the model.
    const model = await seedModelVersion(await bed.arm(), { name: 'drifted-model', version: '2', experiment: 'retrain-after-drift', pipeline: true });
    expect(await bed.deliver([modelRegisteredEvent('mr-drifted-2', model)])).toBe(200);
    const cdRuns = (await bed.adoRuns(1)).filter((run) => run.templateParameters['modelName'] === 'drifted-model');
    expect(cdRuns.map((run) => run.templateParameters)).toEqual([{ modelName: 'drifted-model', modelVersion: '2', workspaceId: WORKSPACE_ID, idempotencyKey: expect.stringMatching(/^amlw-[0-9a-f]{32}$/) }]);
  });
});

describe('events the app must not act on', () => {
  const OTHER_SUBSCRIPTION = '99999999-9999-4999-8999-999999999999';
  const elsewhere = (event: Record<string, unknown>) => ({ ...event, topic: `/subscriptions/${OTHER_SUBSCRIPTION}/resourceGroups/rg-other/providers/Microsoft.MachineLearningServices/workspaces/mlw-other` });

  it("events for a workspace outside the policy's scope start nothing, send nothing and read nothing", async () => {
    bed.emulator.resetCalls();
    const before = (await bed.sink('generic')).length;
    const events = [
      driftEvent('drift-elsewhere', 'drift-run-elsewhere'),
      modelRegisteredEvent('mr-elsewhere', { name: 'drifted-model', version: '9' }),
      { ...(JSON.parse(readPublishedFixture('events/eventgrid-RunCompleted.json')) as Record<string, unknown>[])[0], id: 'rc-elsewhere' },
    ];
    for (const event of events) expect(await bed.deliver([elsewhere(event)])).toBe(200);

    expect((await bed.adoRuns(2)).filter((run) => run.templateParameters['driftRunId'] === 'drift-run-elsewhere')).toEqual([]);
    expect((await bed.adoRuns(1)).filter((run) => run.templateParameters['modelVersion'] === '9')).toEqual([]);
    expect((await bed.sink('generic')).length).toBe(before);
    expect(bed.emulator.calls().filter((call) => call.path.startsWith('/subscriptions/'))).toEqual([]);
    const skipped = bed.hostLog.filter((line) => line.includes('ignored: out of scope'));
    expect(skipped.filter((line) => line.includes(OTHER_SUBSCRIPTION))).toHaveLength(events.length);
  });

  it.each([
    ['a name with a line break', 'drift-hostile-newline', { DataDriftName: 'monitor\nFORGED' }],
    ['a pipeline variable expression', 'drift-hostile-expression', { DataDriftName: '$(System.AccessToken)' }],
    ['a dataset id that is a path', 'drift-hostile-path', { TargetDatasetId: '../../secrets' }],
  ])('a drift event carrying %s is dropped before it can reach the retraining pipeline', async (_what, id, change) => {
    const event = driftEvent(id, `run-${id}`);
    const hostile = { ...event, data: { ...(event['data'] as Record<string, unknown>), ...change } };
    expect(await bed.deliver([hostile])).toBe(200);
    expect((await bed.adoRuns(2)).filter((run) => run.templateParameters['driftRunId'] === `run-${id}`)).toEqual([]);
    expect(bed.hostLog.some((line) => line.includes(` ${id} → dropped (`))).toBe(true);
  });
});

describe('RunCompleted and ModelDeployed', () => {
  it('a completed run is tracked and notified once on the channel the policy names for it', async () => {
    await commandJob(await bed.arm(), 'eval-done-1', 'evaluation', {}, { status: 'Completed' });
    const event = fixtureEvent('cloudevents-RunCompleted.json', {
      id: 'run-completed-1',
      subject: 'experiments/00000000-0000-0000-0000-000000000002/runs/eval-done-1',
      data: { experimentId: '00000000-0000-0000-0000-000000000002', experimentName: 'evaluation', runId: 'eval-done-1', runType: null, runTags: {}, runProperties: {} },
    });
    expect(await bed.deliver([event])).toBe(200);
    expect(await bed.deliver([event])).toBe(200);

    const messages = (await bed.sink('generic')).filter((delivery) => JSON.stringify(delivery.body).includes('eval-done-1'));
    expect(messages).toHaveLength(1);
    expect(messages[0]?.body).toMatchObject({ schema: 'aml-warden.notification.v1', eventId: 'run-completed-1', severity: 'info' });
    expect(bed.telemetryEvents('RunCompleted').filter((item) => item.properties['eventId'] === 'run-completed-1')).toHaveLength(2);
  });

  it('a model deployment from the docs sample is notified with its service and models', async () => {
    const event = fixtureEvent('eventgrid-ModelDeployed.json', {
      id: 'model-deployed-1',
      data: { ServiceName: 'churn-scoring', ServiceComputeType: 'ACI', ModelIds: 'churn-a:3,churn-b:7', ServiceTags: {}, ServiceProperties: {} },
    });
    expect(await bed.deliver([event])).toBe(200);
    const messages = (await bed.sink('generic')).filter((delivery) => JSON.stringify(delivery.body).includes('churn-scoring'));
    expect(messages).toHaveLength(1);
    expect(JSON.stringify(messages[0]?.body)).toContain('churn-a:3, churn-b:7');
  });
});
