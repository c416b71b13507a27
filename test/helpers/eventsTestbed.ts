/**
 * A testbed for the Azure ML event use cases: this file's own emulator and Azurite on free ports, the app composed
 * against them (with in-memory telemetry the test can read), and optionally the offline host serving
 * the app's entry so events arrive as Event Grid delivers them.
 */
import type { TeamsCardView } from '../../dev/emulator/teamsCard.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { startAzurite, type AzuriteHandle } from '../../dev/azurite.js';
import { startEmulator, type RunningEmulator } from '../../dev/emulator/server.js';
import { startHost, type FunctionsHost } from '../../dev/host/host.js';
import { composeApp, productionAdapters, setAppForProcess, type App } from '../../src/composition.js';
import { loadConfig } from '../../src/config.js';
import { InMemoryTelemetry, type TelemetryItem } from '../../src/adapters/telemetry/telemetry.js';
import { request } from './emulatorServices.js';
import { publishedFixtureUrl } from './publishedFixtures.js';
import { localAzureSettings } from '../../dev/localAzureSettings.js';
import { repositoryRoot } from './repositoryRoot.js';

export const SUBSCRIPTION = '11111111-1111-1111-1111-111111111111';
export const RESOURCE_GROUP = 'rg-mlops-demo';
export const WORKSPACE = 'mlw-demo';
export const WORKSPACE_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.MachineLearningServices/workspaces/${WORKSPACE}`;
const ENTRY = join(repositoryRoot, 'src', 'index.ts');
const EVENT_FIXTURES = publishedFixtureUrl('events/');

export interface EventsTestbed {
  readonly emulator: RunningEmulator;
  readonly azurite: AzuriteHandle;
  readonly app: App;
  readonly telemetry: InMemoryTelemetry;
  readonly host: FunctionsHost | undefined;
  readonly hostLog: string[];
  readonly env: Record<string, string>;
  arm(): Promise<AzureMachineLearningWorkspaces>;
  /** POSTs events to `amlEvents` as Event Grid does; returns the host's status. */
  deliver(events: readonly unknown[]): Promise<number>;
  /** Runs started on an Azure DevOps pipeline of the playground, newest first, read from the emulator's API. */
  adoRuns(pipelineId: number): Promise<AdoRun[]>;
  /** Deliveries recorded by a webhook sink, read from the emulator's API. */
  sink(name: string): Promise<SinkDelivery[]>;
  telemetryEvents(name: string): TelemetryItem[];
  close(): Promise<void>;
}

export interface AdoRun {
  readonly id: number;
  readonly templateParameters: Record<string, string>;
  readonly _links: { readonly web: { readonly href: string } };
}

export interface SinkDelivery {
  readonly headers: Record<string, string>;
  readonly body: unknown;
  /** For the `teams` sink: how Teams would show the card. */
  readonly teams?: TeamsCardView;
}

export interface TestbedOptions {
  /** The policy YAML, given the emulator's base URL. */
  readonly policy: (emulatorUrl: string) => string;
  /** Serve the app's entry on the offline host (one per test file: the app registers once per process). */
  readonly host?: boolean;
  /** The entry the host serves; default the source's `src/index.ts`. A packaged bundle composes its own app from `env`. */
  readonly entry?: string;
}

export async function startEventsTestbed(options: TestbedOptions): Promise<EventsTestbed> {
  const [emulator, azurite] = await Promise.all([startEmulator({ port: 0, seed: 'playground' }), startAzurite()]);
  const appRoot = mkdtempSync(join(tmpdir(), 'aml-warden-events-'));
  writeFileSync(join(appRoot, 'host.json'), '{"version":"2.0"}');
  writeFileSync(join(appRoot, 'emulator-ca.pem'), emulator.caPem);
  writeFileSync(join(appRoot, 'policy.yaml'), options.policy(emulator.url));
  const env: Record<string, string> = {
    ...localAzureSettings(
      { emulatorUrl: emulator.url, azuriteConnectionString: azurite.connectionString },
      { policy: join(appRoot, 'policy.yaml'), caFile: join(appRoot, 'emulator-ca.pem') },
    ),
    AML_WARDEN_HTTP_TIMEOUT_MS: '5000',
  };
  const telemetry = new InMemoryTelemetry(20_000);
  const config = loadConfig(env, { appRoot });
  const app = composeApp(config, productionAdapters(config, { telemetry }));
  const hostLog: string[] = [];
  let host: FunctionsHost | undefined;
  if (options.host === true) {
    setAppForProcess(app);
    host = await startHost({ entry: options.entry ?? ENTRY, port: 0, timers: false, env, log: (line) => hostLog.push(line) });
  }
  const emulatorJson = async <T>(path: string): Promise<T> => {
    const response = await request(`${emulator.url}${path}`, { ca: emulator.caPem, headers: authorizationFor(path) });
    if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}: ${response.text}`);
    return response.json<T>();
  };
  const testbed: EventsTestbed = {
    emulator,
    azurite,
    app,
    telemetry,
    host,
    hostLog,
    env,
    arm: () => app.adapters.arm(SUBSCRIPTION),
    async deliver(events) {
      if (host === undefined) throw new Error('the testbed was started without the host');
      const response = await fetch(host.eventGridUrl('amlEvents'), {
        method: 'POST',
        headers: { 'aeg-event-type': 'Notification', 'content-type': 'application/json' },
        body: JSON.stringify(events),
      });
      await response.arrayBuffer();
      return response.status;
    },
    async adoRuns(pipelineId) {
      return (await emulatorJson<{ value: AdoRun[] }>(`/ado/contoso/mlops/_apis/pipelines/${pipelineId}/runs?api-version=7.1`)).value;
    },
    async sink(name) {
      return (await emulatorJson<{ deliveries: SinkDelivery[] }>(`/sink/${name}`)).deliveries;
    },
    telemetryEvents(name) {
      return telemetry.items().filter((item) => item.kind === 'event' && item.name === name);
    },
    async close() {
      await host?.close();
      setAppForProcess(undefined);
      await Promise.all([emulator.close(), azurite.close()]);
      rmSync(appRoot, { recursive: true, force: true });
    },
  };
  activeTestbed = testbed;
  return testbed;
}

// One testbed per test file (each file runs in its own process).
let activeTestbed: EventsTestbed | undefined;

/** Azure DevOps reads need the PAT, as the real service does. */
function authorizationFor(path: string): Record<string, string> {
  return path.startsWith('/ado/') ? { authorization: `Basic ${Buffer.from(':playground-ado-pat').toString('base64')}` } : {};
}

/** A fixture event from the published samples' `events/`, pointed at the playground workspace, with the given id and data. */
export function fixtureEvent(file: string, overrides: { readonly id: string; readonly subject?: string; readonly data: Record<string, unknown> }): Record<string, unknown> {
  // Read per call so every test gets its own copy.
  const events = JSON.parse(readFixture(file)) as Record<string, unknown>[];
  const event = events[0];
  if (event === undefined) throw new Error(`${file} holds no event`);
  const schemaKey = 'topic' in event ? 'topic' : 'source';
  return { ...event, [schemaKey]: WORKSPACE_ID, id: overrides.id, ...(overrides.subject === undefined ? {} : { subject: overrides.subject }), data: overrides.data };
}

function readFixture(file: string): string {
  return readFileSync(new URL(file, EVENT_FIXTURES), 'utf8');
}

export interface SeededModel {
  readonly name: string;
  readonly version: string;
  readonly jobName: string;
}

/**
 * Registers a model version through the ARM API with the job that produced it. With `pipeline`, that job is a
 * step of a pipeline job in `experiment`, and the step itself runs in a throwaway experiment.
 */
export async function seedModelVersion(
  client: AzureMachineLearningWorkspaces,
  model: { readonly name: string; readonly version: string; readonly experiment: string; readonly pipeline?: boolean; readonly tags?: Record<string, string> },
): Promise<SeededModel> {
  const jobName = `${model.name}-${model.version}-train`;
  if (model.pipeline === true) {
    const parentName = `${model.name}-${model.version}-pipeline`;
    await client.jobs.createOrUpdate(RESOURCE_GROUP, WORKSPACE, parentName, {
      properties: { jobType: 'Pipeline', experimentName: model.experiment, status: 'Completed', displayName: parentName },
    } as Parameters<AzureMachineLearningWorkspaces['jobs']['createOrUpdate']>[3]);
    await commandJob(client, jobName, 'pipeline-steps', { 'azureml.pipelinerunid': parentName });
  } else {
    await commandJob(client, jobName, model.experiment, {});
  }
  await client.modelVersions.createOrUpdate(RESOURCE_GROUP, WORKSPACE, model.name, model.version, {
    properties: { jobName, modelUri: `azureml://jobs/${jobName}/outputs/artifacts/model`, tags: model.tags ?? {} },
  });
  return { name: model.name, version: model.version, jobName };
}

/**
 * Writes a command job through the ARM API. Sent as raw JSON with the app's token because the SDK does not
 * serialize `status` (Azure sets it), and tests need failed and running jobs.
 */
export async function commandJob(
  client: AzureMachineLearningWorkspaces,
  name: string,
  experimentName: string,
  properties: Record<string, string>,
  extra: { readonly status?: string; readonly tags?: Record<string, string>; readonly errorMessage?: string } = {},
): Promise<void> {
  const body = {
    properties: {
      jobType: 'Command',
      experimentName,
      command: 'python train.py',
      environmentId: 'azureml:sklearn-env:1',
      properties: { ...properties, ...(extra.errorMessage === undefined ? {} : { 'azureml.runError': extra.errorMessage }) },
      tags: extra.tags ?? {},
      ...(extra.status === undefined ? {} : { status: extra.status }),
    },
  };
  if (extra.status === undefined) {
    await client.jobs.createOrUpdate(RESOURCE_GROUP, WORKSPACE, name, body as Parameters<AzureMachineLearningWorkspaces['jobs']['createOrUpdate']>[3]);
    return;
  }
  const testbed = activeTestbed;
  if (testbed === undefined) throw new Error('no testbed started');
  const token = await testbed.app.adapters.credential.getToken('https://management.azure.com/.default');
  const response = await request(`${testbed.emulator.url}${WORKSPACE_ID}/jobs/${encodeURIComponent(name)}?api-version=2022-10-01`, {
    method: 'PUT',
    ca: testbed.emulator.caPem,
    headers: { authorization: `Bearer ${token?.token ?? ''}` },
    body,
  });
  if (response.status !== 200 && response.status !== 201) throw new Error(`PUT job ${name} answered ${response.status}: ${response.text}`);
}

/** A ModelRegistered delivery for a version, in the fixture's form (PascalCase keys, numeric version) or camelCase. */
export function modelRegisteredEvent(id: string, model: { readonly name: string; readonly version: string }, casing: 'Pascal' | 'camel' = 'Pascal'): Record<string, unknown> {
  const data =
    casing === 'Pascal'
      ? { ModelName: model.name, ModelVersion: Number(model.version), ModelTags: {}, ModelProperties: {} }
      : { modelName: model.name, modelVersion: model.version, modelTags: {}, modelProperties: {} };
  return fixtureEvent('eventgrid-ModelRegistered.json', { id, subject: `models/${model.name}:${model.version}`, data });
}
