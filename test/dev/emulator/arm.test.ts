import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import type { AmlCompute } from '@azure/arm-machinelearning';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EmulatedEvent } from '../../../dev/emulator/context.js';
import { PLAYGROUND } from '../../../dev/emulator/seed.js';
import { startEmulator, type RunningEmulator } from '../../../dev/emulator/server.js';
import { localIdpCredential, request } from '../../helpers/emulatorServices.js';

const { subscriptionId, resourceGroup, workspace } = PLAYGROUND;
const ARM_SCOPE = 'https://management.azure.com/.default';
const API = '2022-10-01';
const workspacePath = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${workspace}`;

/** A webhook that records Event Grid deliveries, standing in for the Functions host. */
async function startEventCapture(): Promise<{ url: string; events: EmulatedEvent[]; close(): Promise<void> }> {
  const events: EmulatedEvent[] = [];
  const server = http.createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      events.push(...(JSON.parse(Buffer.concat(chunks).toString('utf8')) as EmulatedEvent[]));
      outgoing.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
  return { url, events, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

let emulator: RunningEmulator;
let capture: Awaited<ReturnType<typeof startEventCapture>>;
let client: AzureMachineLearningWorkspaces;
let credential: ReturnType<typeof localIdpCredential>;

async function tokenFor(scope: string): Promise<string> {
  const token = await credential.getToken(scope);
  if (!token) throw new Error(`no token for ${scope}`);
  return token.token;
}

async function arm(method: string, path: string, options: { body?: unknown; apiVersion?: string | null; token?: string | null } = {}) {
  const token = options.token === undefined ? await tokenFor(ARM_SCOPE) : options.token;
  const apiVersion = options.apiVersion === undefined ? API : options.apiVersion;
  const url = `${emulator.url}${path}${apiVersion === null ? '' : `${path.includes('?') ? '&' : '?'}api-version=${apiVersion}`}`;
  return request(url, {
    method,
    ca: emulator.caPem,
    ...(token === null ? {} : { headers: { authorization: `Bearer ${token}` } }),
    ...(options.body === undefined ? {} : { body: options.body }),
  });
}

beforeAll(async () => {
  capture = await startEventCapture();
  // Operations here complete by polls alone, so the poll counts below are exact.
  emulator = await startEmulator({ port: 0, lroPolls: 2, lroCompleteAfterMs: Infinity, pageSize: 2, eventSubscriptions: [{ endpoint: capture.url }] });
  credential = localIdpCredential(emulator.url, emulator.caPem);
  client = new AzureMachineLearningWorkspaces(credential, subscriptionId, {
    endpoint: emulator.url,
    credentialScopes: [ARM_SCOPE],
    tlsOptions: { ca: emulator.caPem },
    retryOptions: { retryDelayInMs: 20, maxRetryDelayInMs: 200 },
  });
});

afterAll(async () => {
  await emulator?.close();
  await capture?.close();
});

beforeEach(() => {
  emulator.setThrottle(false);
  emulator.clearFaults();
});

describe('ARM for Azure ML through the real @azure/arm-machinelearning client', () => {
  it('lists the playground workspace by subscription with its tags', async () => {
    const workspaces = [];
    for await (const item of client.workspaces.listBySubscription()) workspaces.push(item);
    expect(workspaces.map((w) => w.name)).toEqual([workspace]);
    expect(workspaces[0]?.tags).toEqual({ owner: 'mlops-team@contoso.com', 'cost-center': 'cc-1234', environment: 'dev' });
    expect(workspaces[0]?.id).toBe(workspacePath);
  });

  it('gets a workspace with its location and provisioning state', async () => {
    const found = await client.workspaces.get(resourceGroup, workspace);
    expect(found.location).toBe('eastus');
    expect(found.provisioningState).toBe('Succeeded');
    expect(found.systemData?.createdAt).toBeInstanceOf(Date);
  });

  it('lists computes across pages through nextLink', async () => {
    await client.computeOperations.beginCreateOrUpdateAndWait(
      resourceGroup,
      workspace,
      'paging-cluster',
      { location: 'eastus', properties: { computeType: 'AmlCompute', properties: { scaleSettings: { maxNodeCount: 1, minNodeCount: 0 } } } },
      { updateIntervalInMs: 10 },
    );
    emulator.resetCalls();
    const names: string[] = [];
    for await (const compute of client.computeOperations.list(resourceGroup, workspace)) names.push(compute.name ?? '');
    expect(names).toEqual(expect.arrayContaining(['cpu-cluster', 'gpu-cluster', 'paging-cluster']));
    const listCalls = emulator.calls().filter((call) => call.path.endsWith('/computes'));
    expect(listCalls.length).toBeGreaterThanOrEqual(2);
    expect(listCalls.some((call) => call.query.includes('%24skip=2') || call.query.includes('$skip=2'))).toBe(true);
  });

  it('creates a cluster through the long-running operation, polling until Succeeded, and publishes ResourceWriteSuccess', async () => {
    emulator.resetCalls();
    const created = await client.computeOperations.beginCreateOrUpdateAndWait(
      resourceGroup,
      workspace,
      'train-cluster',
      {
        location: 'eastus',
        properties: {
          computeType: 'AmlCompute',
          properties: { vmSize: 'Standard_DS3_v2', scaleSettings: { maxNodeCount: 2, minNodeCount: 0, nodeIdleTimeBeforeScaleDown: 'PT10M' } },
        },
      },
      { updateIntervalInMs: 10 },
    );
    expect(created.properties?.provisioningState).toBe('Succeeded');
    const initial = emulator.calls().find((call) => call.method === 'PUT' && call.path.endsWith('/computes/train-cluster'));
    expect(initial?.status).toBe(201);
    expect(emulator.calls().filter((call) => call.path.includes('/computeOperationsStatus/'))).toHaveLength(2);

    await emulator.events.idle();
    const computeId = `${workspacePath}/computes/train-cluster`;
    const event = capture.events.find((e) => e.eventType === 'Microsoft.Resources.ResourceWriteSuccess' && e.subject === computeId);
    expect(event?.topic).toBe(`/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`);
    expect(event?.data).toMatchObject({
      resourceUri: computeId,
      operationName: 'Microsoft.MachineLearningServices/workspaces/computes/write',
      status: 'Succeeded',
      subscriptionId,
      resourceProvider: 'Microsoft.MachineLearningServices',
    });
    const claims = event?.data['claims'] as Record<string, unknown>;
    expect(claims['http://schemas.microsoft.com/identity/claims/objectidentifier']).toBe(initial?.principal);
    expect(initial?.principal).not.toBe('anonymous');
  });

  it('updates scale settings as a long-running operation: 200 Updating with Azure-AsyncOperation, applied when it succeeds', async () => {
    await client.computeOperations.beginCreateOrUpdateAndWait(
      resourceGroup,
      workspace,
      'scale-cluster',
      { location: 'eastus', properties: { computeType: 'AmlCompute', properties: { vmSize: 'Standard_DS3_v2', scaleSettings: { maxNodeCount: 2, minNodeCount: 1, nodeIdleTimeBeforeScaleDown: 'PT20M' } } } },
      { updateIntervalInMs: 10 },
    );
    const path = `${workspacePath}/computes/scale-cluster`;
    const accepted = await arm('PATCH', path, { apiVersion: '2024-04-01', body: { properties: { properties: { scaleSettings: { maxNodeCount: 6, minNodeCount: 0, nodeIdleTimeBeforeScaleDown: 'PT10M' } } } } });
    expect(accepted.status).toBe(200);
    expect(accepted.headers['azure-asyncoperation']).toMatch(/computeOperationsStatus\//);
    expect(accepted.json<{ properties: { provisioningState: string } }>().properties.provisioningState).toBe('Updating');
    const during = await client.computeOperations.get(resourceGroup, workspace, 'scale-cluster');
    expect((during.properties as AmlCompute).properties?.scaleSettings?.maxNodeCount).toBe(2);

    const patched = await client.computeOperations.beginUpdateAndWait(
      resourceGroup,
      workspace,
      'scale-cluster',
      // The SDK puts these under properties.properties on the wire.
      { properties: { scaleSettings: { maxNodeCount: 6, minNodeCount: 0 } } },
      { updateIntervalInMs: 10 },
    ).catch((error: unknown) => error);
    // The first update is still running: ARM refuses a second write until it ends.
    expect(patched).toMatchObject({ statusCode: 409 });
    const status = await request(String(accepted.headers['azure-asyncoperation']), { headers: { authorization: `Bearer ${await tokenFor(ARM_SCOPE)}` }, ca: emulator.caPem });
    expect(status.json<{ status: string }>().status).toBe('InProgress');
    await request(String(accepted.headers['azure-asyncoperation']), { headers: { authorization: `Bearer ${await tokenFor(ARM_SCOPE)}` }, ca: emulator.caPem });
    const reread = await client.computeOperations.get(resourceGroup, workspace, 'scale-cluster');
    expect(reread.properties?.provisioningState).toBe('Succeeded');
    expect((reread.properties as AmlCompute).properties?.vmSize).toBe('Standard_DS3_v2');
    expect((reread.properties as AmlCompute).properties?.scaleSettings).toEqual({ maxNodeCount: 6, minNodeCount: 0, nodeIdleTimeBeforeScaleDown: 'PT10M' });
    await emulator.events.idle();
    expect(capture.events.some((e) => e.eventType === 'Microsoft.Resources.ResourceWriteSuccess' && e.subject === path)).toBe(true);
  });

  it('applies nothing but scale settings from a compute update: tags, idle shutdown and VM size in the body change nothing', async () => {
    const path = `${workspacePath}/computes/gpu-cluster`;
    const before = (await arm('GET', path, { apiVersion: '2024-04-01' })).json<{ tags: Record<string, string>; properties: { properties: Record<string, unknown> } }>();
    const accepted = await arm('PATCH', path, {
      apiVersion: '2024-04-01',
      body: { tags: { owner: 'someone@contoso.com' }, properties: { properties: { vmSize: 'Standard_DS2_v2', idleTimeBeforeShutdown: 'PT30M', scaleSettings: { maxNodeCount: 4 } } } },
    });
    expect(accepted.status).toBe(200);
    await request(String(accepted.headers['azure-asyncoperation']), { headers: { authorization: `Bearer ${await tokenFor(ARM_SCOPE)}` }, ca: emulator.caPem });
    await request(String(accepted.headers['azure-asyncoperation']), { headers: { authorization: `Bearer ${await tokenFor(ARM_SCOPE)}` }, ca: emulator.caPem });
    const after = (await arm('GET', path, { apiVersion: '2024-04-01' })).json<{ tags: Record<string, string>; properties: { properties: Record<string, unknown> } }>();
    expect(after.tags).toEqual(before.tags);
    expect(after.properties.properties['vmSize']).toBe(before.properties.properties['vmSize']);
    expect((await arm('GET', path, { apiVersion: '2025-12-01' })).json<{ properties: { properties: Record<string, unknown> } }>().properties.properties).not.toHaveProperty('idleTimeBeforeShutdown');
    // The update overwrites scale settings with what was sent; minNodeCount takes the spec's default, 0.
    expect(after.properties.properties['scaleSettings']).toEqual({ minNodeCount: 0, maxNodeCount: 4 });
  });

  it('refuses a compute update whose scale settings lack the required maxNodeCount, naming the field', async () => {
    const refused = await arm('PATCH', `${workspacePath}/computes/cpu-cluster`, { apiVersion: '2024-04-01', body: { properties: { properties: { scaleSettings: { minNodeCount: 0 } } } } });
    expect(refused.status).toBe(400);
    expect(refused.json<{ error: { message: string } }>().error.message).toContain('properties.properties.scaleSettings.maxNodeCount');
  });

  it('accepts an update that is answered but applied to nothing under an ignore-write fault', async () => {
    const path = `${workspacePath}/computes/gpu-cluster`;
    const before = await client.computeOperations.get(resourceGroup, workspace, 'gpu-cluster');
    emulator.injectFault({ kind: 'ignore-write', method: 'PATCH', path: '/computes/gpu-cluster$' });
    const accepted = await arm('PATCH', path, { apiVersion: '2024-04-01', body: { properties: { properties: { scaleSettings: { maxNodeCount: 3, minNodeCount: 0 } } } } });
    expect(accepted.status).toBe(200);
    for (let poll = 0; poll < 2; poll += 1) {
      await request(String(accepted.headers['azure-asyncoperation']), { headers: { authorization: `Bearer ${await tokenFor(ARM_SCOPE)}` }, ca: emulator.caPem });
    }
    const after = await client.computeOperations.get(resourceGroup, workspace, 'gpu-cluster');
    expect(after.properties?.provisioningState).toBe('Succeeded');
    expect((after.properties as AmlCompute).properties?.scaleSettings).toEqual((before.properties as AmlCompute).properties?.scaleSettings);
    expect((after.properties as AmlCompute).properties?.scaleSettings?.maxNodeCount).not.toBe(3);
  });

  it("changes a compute instance's idle shutdown through updateIdleShutdownSetting: 200 with no body, and a ResourceActionSuccess", async () => {
    await client.computeOperations.beginCreateOrUpdateAndWait(
      resourceGroup,
      workspace,
      'idle-instance',
      { location: 'eastus', properties: { computeType: 'ComputeInstance', properties: { vmSize: 'Standard_DS3_v2' } } },
      { updateIntervalInMs: 10 },
    );
    const path = `${workspacePath}/computes/idle-instance`;
    const set = await arm('POST', `${path}/updateIdleShutdownSetting`, { apiVersion: '2025-12-01', body: { idleTimeBeforeShutdown: 'PT45M' } });
    expect(set.status).toBe(200);
    expect(set.text).toBe('');
    const instance = (await arm('GET', path, { apiVersion: '2025-12-01' })).json<{ properties: { properties: Record<string, unknown> } }>();
    expect(instance.properties.properties['idleTimeBeforeShutdown']).toBe('PT45M');
    await emulator.events.idle();
    expect(capture.events.some((e) => e.eventType === 'Microsoft.Resources.ResourceActionSuccess' && e.subject === path)).toBe(true);

    const tooShort = await arm('POST', `${path}/updateIdleShutdownSetting`, { apiVersion: '2025-12-01', body: { idleTimeBeforeShutdown: 'PT5M' } });
    expect(tooShort.status).toBe(400);
    expect(tooShort.text).toContain('between 15 minutes and 3 days');
    const onCluster = await arm('POST', `${workspacePath}/computes/cpu-cluster/updateIdleShutdownSetting`, { apiVersion: '2025-12-01', body: { idleTimeBeforeShutdown: 'PT45M' } });
    expect(onCluster.status).toBe(400);
  });

  it('deletes a cluster through the long-running operation; a get afterwards is 404', async () => {
    await client.computeOperations.beginCreateOrUpdateAndWait(
      resourceGroup,
      workspace,
      'doomed-cluster',
      { location: 'eastus', properties: { computeType: 'AmlCompute', properties: { scaleSettings: { maxNodeCount: 1 } } } },
      { updateIntervalInMs: 10 },
    );
    await client.computeOperations.beginDeleteAndWait(resourceGroup, workspace, 'doomed-cluster', 'Delete', { updateIntervalInMs: 10 });
    await expect(client.computeOperations.get(resourceGroup, workspace, 'doomed-cluster')).rejects.toMatchObject({ statusCode: 404 });
    await emulator.events.idle();
    expect(capture.events.some((e) => e.eventType === 'Microsoft.Resources.ResourceDeleteSuccess' && e.subject.endsWith('/computes/doomed-cluster'))).toBe(true);
  });

  it('ends provisioning Failed with the error when an lro-failure fault names the compute', async () => {
    emulator.injectFault({ kind: 'lro-failure', path: '/computes/broken-cluster$', body: { code: 'QuotaExceeded', message: 'Not enough cores.' } });
    await expect(
      client.computeOperations.beginCreateOrUpdateAndWait(
        resourceGroup,
        workspace,
        'broken-cluster',
        { location: 'eastus', properties: { computeType: 'AmlCompute', properties: { scaleSettings: { maxNodeCount: 1 } } } },
        { updateIntervalInMs: 10 },
      ),
    ).rejects.toThrow(/Not enough cores|QuotaExceeded/);
    const stored = await client.computeOperations.get(resourceGroup, workspace, 'broken-cluster');
    expect(stored.properties?.provisioningState).toBe('Failed');
    expect(stored.properties?.provisioningErrors?.[0]?.error?.code).toBe('QuotaExceeded');
  });

  it('registers, reads and lists model versions, keeping jobName, and publishes ModelRegistered', async () => {
    await client.modelVersions.createOrUpdate(resourceGroup, workspace, 'credit-default', '1', {
      properties: { jobName: 'retrain-job-1', tags: { retrained: 'true' }, properties: { accuracy: '0.91' }, modelUri: 'azureml://jobs/retrain-job-1/outputs/model' },
    });
    const version = await client.modelVersions.get(resourceGroup, workspace, 'credit-default', '1');
    expect(version.properties.jobName).toBe('retrain-job-1');
    expect(version.properties.tags).toEqual({ retrained: 'true' });
    const listed = [];
    for await (const item of client.modelVersions.list(resourceGroup, workspace, 'credit-default')) listed.push(item.name);
    expect(listed).toEqual(['1']);
    await emulator.events.idle();
    const event = capture.events.find((e) => e.eventType === 'Microsoft.MachineLearningServices.ModelRegistered');
    expect(event?.topic).toBe(workspacePath);
    expect(event?.subject).toBe('models/credit-default:1');
    expect(event?.data).toEqual({ modelName: 'credit-default', modelVersion: '1', modelTags: { retrained: 'true' }, modelProperties: { accuracy: '0.91' } });
  });

  it('stores a job put through ARM, serves it to the SDK, and publishes RunStatusChanged when it failed', async () => {
    const put = await arm('PUT', `${workspacePath}/jobs/train-42`, {
      body: { properties: { jobType: 'Command', experimentName: 'retrain-credit-default', status: 'Failed', command: 'python train.py', environmentId: 'azureml:sklearn:1', tags: { team: 'risk' } } },
    });
    expect(put.status).toBe(201);
    const job = await client.jobs.get(resourceGroup, workspace, 'train-42');
    expect(job.properties.status).toBe('Failed');
    expect(job.properties.experimentName).toBe('retrain-credit-default');
    await emulator.events.idle();
    const event = capture.events.find((e) => e.eventType === 'Microsoft.MachineLearningServices.RunStatusChanged');
    expect(event?.data).toMatchObject({ experimentName: 'retrain-credit-default', runId: 'train-42', runStatus: 'Failed', runTags: { team: 'risk' } });
    expect(event?.subject).toBe(`experiments/${String(event?.data['experimentId'])}/runs/train-42`);
  });

  it("delivers RunStatusChanged to a subscription filtered on data.runStatus only for failures, as infra's subscription does", async () => {
    const filtered = await startEventCapture();
    const other = await startEmulator({
      port: 0,
      eventSubscriptions: [{ endpoint: filtered.url, eventTypes: ['Microsoft.MachineLearningServices.RunStatusChanged'], advancedFilters: [{ key: 'data.runStatus', stringIn: ['Failed'] }] }],
    });
    try {
      const token = (await localIdpCredential(other.url, other.caPem).getToken(ARM_SCOPE))?.token ?? '';
      for (const status of ['Running', 'Completed', 'Failed']) {
        await request(`${other.url}${workspacePath}/jobs/filtered-${status}?api-version=2024-04-01`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${token}` },
          body: { properties: { jobType: 'Command', experimentName: 'x', status, command: 'c', environmentId: 'e' } },
          ca: other.caPem,
        });
      }
      await other.events.idle();
      expect(filtered.events.map((event) => event.data['runStatus'])).toEqual(['Failed']);
    } finally {
      await other.close();
      await filtered.close();
    }
  });

  it('publishes RunStatusChanged on every status change of a job, not only on failure, and RunCompleted when it completes', async () => {
    const statusesOf = () =>
      capture.events
        .filter((e) => e.eventType === 'Microsoft.MachineLearningServices.RunStatusChanged' && e.data['runId'] === 'train-43')
        .map((e) => e.data['runStatus']);
    for (const status of ['Queued', 'Running', 'Running', 'Finalizing', 'Completed']) {
      const put = await arm('PUT', `${workspacePath}/jobs/train-43`, { body: { properties: { jobType: 'Command', experimentName: 'nightly', status, command: 'python train.py', environmentId: 'azureml:sklearn:1' } } });
      expect(put.status).toBeLessThan(300);
    }
    await emulator.events.idle();
    // A PUT that leaves the status as it was changes nothing and raises nothing.
    expect(statusesOf()).toEqual(['Queued', 'Running', 'Finalizing', 'Completed']);
    expect(capture.events.filter((e) => e.eventType === 'Microsoft.MachineLearningServices.RunCompleted' && e.data['runId'] === 'train-43')).toHaveLength(1);
  });

  it('retries a throttled burst after Retry-After and every call still succeeds', async () => {
    emulator.setThrottle({ reads: { burst: 3, perSecond: 2 } });
    emulator.resetCalls();
    const results = await Promise.all(Array.from({ length: 5 }, () => client.computeOperations.get(resourceGroup, workspace, 'cpu-cluster')));
    expect(results.every((r) => r.name === 'cpu-cluster')).toBe(true);
    const throttled = emulator.calls().filter((call) => call.status === 429);
    expect(throttled.length).toBeGreaterThanOrEqual(2);
  });

  it('answers 429 TooManyRequests with Retry-After and remaining-reads headers when the bucket is empty', async () => {
    emulator.setThrottle({ reads: { burst: 1, perSecond: 1 } });
    const first = await arm('GET', workspacePath);
    expect(first.status).toBe(200);
    expect(first.headers['x-ms-ratelimit-remaining-subscription-reads']).toBe('0');
    const second = await arm('GET', workspacePath);
    expect(second.status).toBe(429);
    expect(second.json<{ error: { code: string } }>().error.code).toBe('TooManyRequests');
    expect(Number(second.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('creates a workspace in a new resource group, listed by that group and published as a write', async () => {
    const group = await arm('PUT', `/subscriptions/${subscriptionId}/resourceGroups/rg-team-b`, { apiVersion: '2021-04-01', body: { location: 'westeurope' } });
    expect(group.status).toBe(201);
    const created = await client.workspaces.beginCreateOrUpdateAndWait(
      'rg-team-b',
      'mlw-team-b',
      { location: 'westeurope', tags: { owner: 'team-b@contoso.com' }, friendlyName: 'Team B' },
      { updateIntervalInMs: 10 },
    );
    expect(created.provisioningState).toBe('Succeeded');
    const names = [];
    for await (const item of client.workspaces.listByResourceGroup('rg-team-b')) names.push(item.name);
    expect(names).toEqual(['mlw-team-b']);
    await emulator.events.idle();
    const event = capture.events.find((e) => e.subject === created.id && e.eventType === 'Microsoft.Resources.ResourceWriteSuccess');
    expect(event?.data['operationName']).toBe('Microsoft.MachineLearningServices/workspaces/write');

    await client.workspaces.beginDeleteAndWait('rg-team-b', 'mlw-team-b', { updateIntervalInMs: 10 });
    await expect(client.workspaces.get('rg-team-b', 'mlw-team-b')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('has a dropped connection retried by the SDK', async () => {
    emulator.injectFault({ method: 'GET', path: /\/computes\/cpu-cluster$/, kind: 'reset' });
    emulator.resetCalls();
    const found = await client.computeOperations.get(resourceGroup, workspace, 'cpu-cluster');
    expect(found.name).toBe('cpu-cluster');
    expect(emulator.calls().map((call) => call.status)).toEqual([0, 200]);
  });

  it('has an injected 503 retried by the SDK', async () => {
    emulator.injectFault({ method: 'GET', path: /\/computes\/cpu-cluster$/, status: 503, times: 1 });
    emulator.resetCalls();
    const found = await client.computeOperations.get(resourceGroup, workspace, 'cpu-cluster');
    expect(found.name).toBe('cpu-cluster');
    expect(emulator.calls().map((call) => call.status)).toEqual([503, 200]);
  });
});

describe('what ARM checks before the provider', () => {
  it('answers 401 AuthenticationFailed without a token', async () => {
    const response = await arm('GET', workspacePath, { token: null });
    expect(response.status).toBe(401);
    expect(response.json<{ error: { code: string } }>().error.code).toBe('AuthenticationFailed');
  });

  it('answers 401 InvalidAuthenticationToken for a token minted for another audience', async () => {
    const response = await arm('GET', workspacePath, { token: await tokenFor('https://vault.azure.net/.default') });
    expect(response.status).toBe(401);
    expect(response.json<{ error: { code: string } }>().error.code).toBe('InvalidAuthenticationToken');
  });

  it('answers 400 MissingApiVersionParameter without api-version', async () => {
    const response = await arm('GET', workspacePath, { apiVersion: null });
    expect(response.status).toBe(400);
    expect(response.json<{ error: { code: string } }>().error.code).toBe('MissingApiVersionParameter');
  });

  it('answers an ARM-style 404 for an unknown path and 405 for a wrong method', async () => {
    const unknown = await arm('GET', `/subscriptions/${subscriptionId}/providers/Microsoft.Nope/things`);
    expect(unknown.status).toBe(404);
    expect(unknown.json<{ error: { code: string; message: string } }>().error.message).toContain('Microsoft.Nope');
    const wrong = await arm('POST', `${workspacePath}/computes/cpu-cluster`);
    expect(wrong.status).toBe(405);
  });

  it('rejects a compute PUT without computeType or with an unknown one, naming the field', async () => {
    const missing = await arm('PUT', `${workspacePath}/computes/bad`, { body: { location: 'eastus', properties: {} } });
    expect(missing.status).toBe(400);
    expect(missing.json<{ error: { message: string } }>().error.message).toContain('properties.computeType');
    const unknown = await arm('PUT', `${workspacePath}/computes/bad`, { body: { location: 'eastus', properties: { computeType: 'Mainframe' } } });
    expect(unknown.status).toBe(400);
    expect(unknown.json<{ error: { message: string } }>().error.message).toContain('Mainframe');
    const noLocation = await arm('PUT', `${workspacePath}/computes/bad`, { body: { properties: { computeType: 'AmlCompute' } } });
    expect(noLocation.json<{ error: { message: string } }>().error.message).toContain('location');
  });
});

describe('newer api-versions, Tags API and Resource Graph', () => {
  it("keeps a compute instance's idle shutdown and returns it only to versions that declare it: stable 2025-12-01 on, and previews", async () => {
    const path = `${workspacePath}/computes/ci-alice`;
    const put = await arm('PUT', path, {
      apiVersion: '2025-12-01',
      body: {
        location: 'eastus',
        properties: {
          computeType: 'ComputeInstance',
          properties: {
            vmSize: 'Standard_DS3_v2',
            idleTimeBeforeShutdown: 'PT45M',
            schedules: { computeStartStop: [{ action: 'Stop', triggerType: 'Cron', cron: { expression: '0 18 * * *', timeZone: 'UTC' } }] },
          },
        },
      },
    });
    expect(put.status).toBe(201);
    type Body = { properties: { properties: Record<string, unknown> } };
    const idleAt = async (apiVersion: string) => (await arm('GET', path, { apiVersion })).json<Body>().properties.properties['idleTimeBeforeShutdown'];
    expect(await idleAt('2025-12-01')).toBe('PT45M');
    expect(await idleAt('2024-10-01-preview')).toBe('PT45M');
    for (const stable of ['2022-10-01', '2023-04-01', '2024-04-01', '2025-09-01']) expect(await idleAt(stable), stable).toBeUndefined();
    // Written at a version that does not declare it, the idle time is ignored, as the service's model drops it.
    await arm('PUT', `${workspacePath}/computes/ci-bob`, { apiVersion: '2024-04-01', body: { location: 'eastus', properties: { computeType: 'ComputeInstance', properties: { vmSize: 'Standard_DS3_v2', idleTimeBeforeShutdown: 'PT45M' } } } });
    expect((await arm('GET', `${workspacePath}/computes/ci-bob`, { apiVersion: '2025-12-01' })).json<Body>().properties.properties['idleTimeBeforeShutdown']).toBeUndefined();
    const older = (await arm('GET', path, { apiVersion: '2022-10-01' })).json<Body>();
    expect(older.properties.properties['schedules']).toMatchObject({ computeStartStop: [{ action: 'Stop' }] });
  });

  it('refuses the Tags API on a compute with a 4xx in ARM\'s error shape, and changes nothing', async () => {
    const scope = `${workspacePath}/computes/gpu-cluster`;
    for (const method of ['GET', 'PATCH', 'PUT']) {
      const refused = await arm(method, `${scope}/providers/Microsoft.Resources/tags/default`, {
        apiVersion: '2021-04-01',
        ...(method === 'GET' ? {} : { body: { operation: 'Merge', properties: { tags: { owner: 'mlops-team@contoso.com' } } } }),
      });
      expect(refused.status, method).toBe(400);
      expect(refused.json<{ error: { code: string; message: string } }>().error.message).toContain('does not support tags');
    }
    const compute = await client.computeOperations.get(resourceGroup, workspace, 'gpu-cluster');
    expect(compute.tags ?? {}).toEqual({});
  });

  it('merges tags through the Tags API into a workspace, and publishes a tags write', async () => {
    const patched = await arm('PATCH', `${workspacePath}/providers/Microsoft.Resources/tags/default`, {
      apiVersion: '2021-04-01',
      body: { operation: 'Merge', properties: { tags: { team: 'ml-platform' } } },
    });
    expect(patched.status).toBe(200);
    const found = await client.workspaces.get(resourceGroup, workspace);
    expect(found.tags).toMatchObject({ team: 'ml-platform', owner: PLAYGROUND.workspaceTags.owner });
    const removed = await arm('PATCH', `${workspacePath}/providers/Microsoft.Resources/tags/default`, {
      apiVersion: '2021-04-01',
      body: { operation: 'Delete', properties: { tags: { team: '' } } },
    });
    expect(removed.json<{ properties: { tags: Record<string, string> } }>().properties.tags).not.toHaveProperty('team');
    await emulator.events.idle();
    expect(capture.events.some((e) => e.subject === workspacePath && e.data['operationName'] === 'Microsoft.Resources/tags/write')).toBe(true);
  });

  it('answers Resource Graph compute queries restricted to subscriptions, paged by $skipToken', async () => {
    const query = (options: Record<string, unknown>) =>
      arm('POST', '/providers/Microsoft.ResourceGraph/resources', {
        apiVersion: '2021-03-01',
        body: {
          subscriptions: [subscriptionId],
          query: "Resources | where type =~ 'microsoft.machinelearningservices/workspaces/computes' | project id, name, type, location, resourceGroup, subscriptionId, tags, properties | order by name asc",
          options,
        },
      });
    type Page = { totalRecords: number; count: number; data: { name: string; type: string; resourceGroup: string }[]; $skipToken?: string };
    const first = await query({ $top: 2 });
    expect(first.status).toBe(200);
    const page = first.json<Page>();
    expect(page.count).toBe(2);
    expect(page.totalRecords).toBeGreaterThan(2);
    expect(page.data[0]).toMatchObject({ type: 'microsoft.machinelearningservices/workspaces/computes', resourceGroup: 'rg-mlops-demo' });
    const rest = (await query({ $top: 1000, $skipToken: page.$skipToken })).json<Page>();
    const names = [...page.data, ...rest.data].map((row) => row.name);
    expect(names).toContain('cpu-cluster');
    expect(names).toContain('gpu-cluster');
    expect(names).toHaveLength(page.totalRecords);
    const elsewhere = await arm('POST', '/providers/Microsoft.ResourceGraph/resources', {
      apiVersion: '2021-03-01',
      body: { subscriptions: ['99999999-9999-9999-9999-999999999999'], query: "Resources | where type =~ 'microsoft.machinelearningservices/workspaces'" },
    });
    expect(elsewhere.json<Page>().totalRecords).toBe(0);
  });

  it('answers Resource Graph in table format and spends the per-user query quota', async () => {
    emulator.setThrottle({ resourceGraph: { queries: 2, windowSeconds: 5 } });
    const body = { subscriptions: [subscriptionId], query: "Resources | where type =~ 'microsoft.machinelearningservices/workspaces' | project name, tags", options: { resultFormat: 'table' } };
    const first = await arm('POST', '/providers/Microsoft.ResourceGraph/resources', { apiVersion: '2021-03-01', body });
    const table = first.json<{ data: { columns: { name: string }[]; rows: unknown[][] } }>().data;
    expect(table.columns.map((c) => c.name)).toEqual(['name', 'tags']);
    expect(table.rows).toEqual([[workspace, { owner: 'mlops-team@contoso.com', 'cost-center': 'cc-1234', environment: 'dev' }]]);
    expect(first.headers['x-ms-user-quota-remaining']).toBe('1');
    expect(first.headers['x-ms-user-quota-resets-after']).toMatch(/^\d\d:\d\d:\d\d$/);
    await arm('POST', '/providers/Microsoft.ResourceGraph/resources', { apiVersion: '2021-03-01', body });
    const third = await arm('POST', '/providers/Microsoft.ResourceGraph/resources', { apiVersion: '2021-03-01', body });
    expect(third.status).toBe(429);
    expect(third.headers['x-ms-user-quota-remaining']).toBe('0');
  });
});

describe('admin API', () => {
  it('bulk-seeds 1,000 workspaces with 10 computes each, which Resource Graph then pages through', async () => {
    const admin = (method: string, path: string, body?: unknown) => request(`${emulator.url}${path}`, { method, ca: emulator.caPem, ...(body === undefined ? {} : { body }) });
    const seeded = await admin('POST', '/_emulator/seed', { workspaces: 1000, computesPerWorkspace: 10, subscriptions: 4 });
    expect(seeded.status).toBe(201);
    const result = seeded.json<{ subscriptions: string[]; computes: number }>();
    expect(result.computes).toBe(10_000);
    const state = (await admin('GET', '/_emulator/state')).json<{ workspaces: number; computes: number }>();
    expect(state.workspaces).toBe(1001);
    expect(state.computes).toBeGreaterThanOrEqual(10_002);
    const graph = await arm('POST', '/providers/Microsoft.ResourceGraph/resources', {
      apiVersion: '2021-03-01',
      body: { subscriptions: [result.subscriptions[0]], query: "Resources | where type =~ 'microsoft.machinelearningservices/workspaces/computes'", options: { $top: 1000 } },
    });
    expect(graph.json<{ totalRecords: number; count: number }>()).toMatchObject({ totalRecords: 2500, count: 1000 });

    const calls = await admin('GET', `/_emulator/calls?path=${encodeURIComponent('ResourceGraph')}`);
    expect(calls.json<{ calls: { path: string; status: number }[] }>().calls.at(-1)).toMatchObject({ path: '/providers/Microsoft.ResourceGraph/resources', status: 200 });

    const reset = await admin('POST', '/_emulator/reset');
    expect(reset.json<{ workspaces: number; computes: number }>()).toMatchObject({ workspaces: 1, computes: 3 });
  });

  it('turns throttling on and off, and clears the call log and faults, through the admin API', async () => {
    const admin = (method: string, path: string, body?: unknown) => request(`${emulator.url}${path}`, { method, ca: emulator.caPem, ...(body === undefined ? {} : { body }) });
    expect((await admin('POST', '/_emulator/throttle', { reads: { burst: 1, perSecond: 1 } })).json()).toMatchObject({ throttling: true });
    await arm('GET', workspacePath);
    expect((await arm('GET', workspacePath)).status).toBe(429);
    expect((await admin('POST', '/_emulator/throttle', false)).json()).toMatchObject({ throttling: false });
    expect((await arm('GET', workspacePath)).status).toBe(200);

    await admin('POST', '/_emulator/faults', { path: 'workspaces/mlw-demo$', status: 500, times: 5 });
    expect((await admin('DELETE', '/_emulator/faults')).status).toBe(204);
    expect((await arm('GET', workspacePath)).status).toBe(200);

    expect((await admin('DELETE', '/_emulator/calls')).status).toBe(204);
    expect((await admin('GET', '/_emulator/calls')).json<{ count: number }>().count).toBe(0);
    expect((await admin('POST', '/_emulator/faults', { status: 500 })).status).toBe(400);
  });

  it('injects a fault through POST /_emulator/faults for a non-ARM path', async () => {
    const added = await request(`${emulator.url}/_emulator/faults`, { method: 'POST', ca: emulator.caPem, body: { method: 'POST', path: '^/sink/teams$', status: 500, times: 1 } });
    expect(added.status).toBe(201);
    const failed = await request(`${emulator.url}/sink/teams`, { method: 'POST', ca: emulator.caPem, body: { text: 'hello' } });
    expect(failed.status).toBe(500);
    const delivered = await request(`${emulator.url}/sink/teams`, { method: 'POST', ca: emulator.caPem, body: { text: 'hello' } });
    expect(delivered.status).toBe(202);
  });
});

describe('long-running compute operations that nobody polls', () => {
  let timed: RunningEmulator;
  let timedCapture: Awaited<ReturnType<typeof startEventCapture>>;

  beforeAll(async () => {
    timedCapture = await startEventCapture();
    // Many polls needed, a short time: only the clock can complete these operations.
    timed = await startEmulator({ port: 0, lroPolls: 1000, lroCompleteAfterMs: 50, eventSubscriptions: [{ endpoint: timedCapture.url }] });
  });

  afterAll(async () => {
    await timed?.close();
    await timedCapture?.close();
  });

  /** A bare PUT, as curl sends it: nobody follows the operation URL afterwards. */
  async function putCluster(target: RunningEmulator, name: string) {
    const token = (await localIdpCredential(target.url, target.caPem).getToken(ARM_SCOPE))?.token ?? '';
    return request(`${target.url}${workspacePath}/computes/${name}?api-version=${API}`, {
      method: 'PUT',
      ca: target.caPem,
      headers: { authorization: `Bearer ${token}` },
      body: { location: 'eastus', properties: { computeType: 'AmlCompute', properties: { vmSize: 'Standard_DS3_v2', scaleSettings: { maxNodeCount: 1, minNodeCount: 0 } } } },
    });
  }

  it('completes an unpolled create on its own and then publishes ResourceWriteSuccess for the caller', async () => {
    const created = await putCluster(timed, 'unpolled-cluster');
    expect(created.status).toBe(201);
    expect(created.headers['azure-asyncoperation']).toBeDefined();
    const computeId = `${workspacePath}/computes/unpolled-cluster`;

    await vi.waitFor(() => expect(timed.state.get(computeId)?.properties['provisioningState']).toBe('Succeeded'), { timeout: 10_000, interval: 20 });
    await timed.events.idle();
    const event = timedCapture.events.find((e) => e.eventType === 'Microsoft.Resources.ResourceWriteSuccess' && e.subject === computeId);
    expect(event?.data['operationName']).toBe('Microsoft.MachineLearningServices/workspaces/computes/write');
    const put = timed.calls().find((call) => call.method === 'PUT' && call.path === computeId);
    expect((event?.data['claims'] as Record<string, unknown>)['http://schemas.microsoft.com/identity/claims/objectidentifier']).toBe(put?.principal);
    expect(timed.calls().filter((call) => call.path.includes('/computeOperations'))).toEqual([]);
  });

  it('drops pending completions on reset, so nothing completes into the fresh seed', async () => {
    const slow = await startEmulator({ port: 0, lroPolls: 5, lroCompleteAfterMs: 60_000 });
    try {
      expect((await putCluster(slow, 'reset-cluster')).status).toBe(201);
      const state = async () => (await request(`${slow.url}/_emulator/state`, { ca: slow.caPem })).json<{ operationTimers: number; operations: number; computes: number }>();
      expect((await state()).operationTimers).toBe(1);
      expect((await request(`${slow.url}/_emulator/reset`, { method: 'POST', ca: slow.caPem })).status).toBe(200);
      expect(await state()).toMatchObject({ operationTimers: 0, operations: 0, computes: 3 });
    } finally {
      await slow.close();
    }
  });
});
