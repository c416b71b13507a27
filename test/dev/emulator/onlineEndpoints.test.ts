import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLAYGROUND_ONLINE } from '../../../dev/emulator/onlineEndpointSeed.js';
import { PLAYGROUND } from '../../../dev/emulator/seed.js';
import { startEmulator, type RunningEmulator } from '../../../dev/emulator/server.js';
import { localIdpCredential, request } from '../../helpers/emulatorServices.js';

const { subscriptionId, resourceGroup, workspace } = PLAYGROUND;
const { endpoint, overCapDeployment, failedDeployment } = PLAYGROUND_ONLINE;
const ARM_SCOPE = 'https://management.azure.com/.default';
const endpointPath = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${workspace}/onlineEndpoints/${endpoint}`;

let emulator: RunningEmulator;
let client: AzureMachineLearningWorkspaces;
let credential: ReturnType<typeof localIdpCredential>;

async function arm(method: string, path: string, body?: unknown) {
  const token = await credential.getToken(ARM_SCOPE);
  return request(`${emulator.url}${path}?api-version=2024-04-01`, {
    method,
    ca: emulator.caPem,
    headers: { authorization: `Bearer ${token?.token ?? ''}` },
    ...(body === undefined ? {} : { body }),
  });
}

beforeAll(async () => {
  // Operations complete by polls alone, so the states in between can be seen.
  emulator = await startEmulator({ port: 0, lroPolls: 2, lroCompleteAfterMs: Infinity });
  credential = localIdpCredential(emulator.url, emulator.caPem);
  client = new AzureMachineLearningWorkspaces(credential, subscriptionId, {
    endpoint: emulator.url,
    credentialScopes: [ARM_SCOPE],
    tlsOptions: { ca: emulator.caPem },
  });
});

afterAll(async () => {
  await emulator?.close();
});

describe('online endpoints and deployments (mfe.json 2024-04-01) through @azure/arm-machinelearning', () => {
  it('lists the playground endpoint with key auth and public network access (OnlineEndpoints_List)', async () => {
    const endpoints = [];
    for await (const item of client.onlineEndpoints.list(resourceGroup, workspace)) endpoints.push(item);
    expect(endpoints.map((e) => e.name)).toEqual([endpoint]);
    expect(endpoints[0]?.properties.authMode).toBe('Key');
    expect(endpoints[0]?.properties.publicNetworkAccess).toBe('Enabled');
  });

  it('lists the seeded deployments: one over its cap, one Failed (OnlineDeployments_List)', async () => {
    const deployments = [];
    for await (const item of client.onlineDeployments.list(resourceGroup, workspace, endpoint)) deployments.push(item);
    const byName = new Map(deployments.map((d) => [d.name, d]));
    expect(byName.get(overCapDeployment)?.sku?.capacity).toBe(8);
    expect(byName.get(overCapDeployment)?.properties.instanceType).toBe('Standard_DS3_v2');
    expect(byName.get(failedDeployment)?.properties.provisioningState).toBe('Failed');
  });

  it('OnlineDeployments_Update scales sku.capacity through a long-running operation, Scaling until it completes', async () => {
    const poller = await client.onlineDeployments.beginUpdate(resourceGroup, workspace, endpoint, overCapDeployment, { sku: { capacity: 2 } }, { updateIntervalInMs: 10 });
    const during = await client.onlineDeployments.get(resourceGroup, workspace, endpoint, overCapDeployment);
    expect(during.properties.provisioningState).toBe('Scaling');
    expect(during.sku?.capacity).toBe(8);
    await poller.pollUntilDone();
    const after = await client.onlineDeployments.get(resourceGroup, workspace, endpoint, overCapDeployment);
    expect(after.properties.provisioningState).toBe('Succeeded');
    expect(after.sku?.capacity).toBe(2);
  });

  it('answers 202 with Location to a PATCH, and 409 to another write while it runs', async () => {
    const first = await arm('PATCH', `${endpointPath}/deployments/${overCapDeployment}`, { sku: { capacity: 1 } });
    expect(first.status).toBe(202);
    expect(first.headers['location']).toMatch(/onlineOperationResults/);
    // Update declares Location only; CreateOrUpdate declares Azure-AsyncOperation only.
    expect(first.headers['azure-asyncoperation']).toBeUndefined();
    const second = await arm('PATCH', `${endpointPath}/deployments/${overCapDeployment}`, { sku: { capacity: 3 } });
    expect(second.status).toBe(409);
    const location = String(first.headers['location']);
    for (let polls = 0; polls < 3; polls += 1) await request(location, { ca: emulator.caPem, headers: { authorization: `Bearer ${(await credential.getToken(ARM_SCOPE))?.token ?? ''}` } });
    const read = await client.onlineDeployments.get(resourceGroup, workspace, endpoint, overCapDeployment);
    expect(read.sku?.capacity).toBe(1);
  });

  it('ignores scale settings in an Update body, which takes tags and sku only (PartialMinimalTrackedResourceWithSku)', async () => {
    await client.onlineDeployments.beginCreateOrUpdateAndWait(
      resourceGroup,
      workspace,
      endpoint,
      'autoscaled',
      { location: 'eastus', sku: { name: 'Default', capacity: 1 }, properties: { endpointComputeType: 'Managed', instanceType: 'Standard_DS3_v2', scaleSettings: { scaleType: 'TargetUtilization', maxInstances: 10 } } },
      { updateIntervalInMs: 10 },
    );
    const patched = await arm('PATCH', `${endpointPath}/deployments/autoscaled`, { properties: { scaleSettings: { scaleType: 'TargetUtilization', maxInstances: 2 } } });
    expect(patched.status).toBe(202);
    for (let polls = 0; polls < 3; polls += 1) await request(String(patched.headers['location']), { ca: emulator.caPem, headers: { authorization: `Bearer ${(await credential.getToken(ARM_SCOPE))?.token ?? ''}` } });
    const read = await client.onlineDeployments.get(resourceGroup, workspace, endpoint, 'autoscaled');
    expect(read.properties.scaleSettings).toMatchObject({ scaleType: 'TargetUtilization', maxInstances: 10 });
  });

  it('ignores publicNetworkAccess in OnlineEndpoints_Update and applies it on OnlineEndpoints_CreateOrUpdate', async () => {
    await client.onlineEndpoints.beginUpdateAndWait(resourceGroup, workspace, endpoint, { tags: { owner: 'mlops-team@contoso.com' } }, { updateIntervalInMs: 10 });
    const patched = await arm('PATCH', endpointPath, { properties: { publicNetworkAccess: 'Disabled' } });
    expect(patched.status).toBe(202);
    for (let polls = 0; polls < 3; polls += 1) await request(String(patched.headers['location']), { ca: emulator.caPem, headers: { authorization: `Bearer ${(await credential.getToken(ARM_SCOPE))?.token ?? ''}` } });
    expect((await client.onlineEndpoints.get(resourceGroup, workspace, endpoint)).properties.publicNetworkAccess).toBe('Enabled');
    await client.onlineEndpoints.beginCreateOrUpdateAndWait(resourceGroup, workspace, 'private-endpoint', { location: 'eastus', properties: { authMode: 'AADToken', publicNetworkAccess: 'Disabled' } }, { updateIntervalInMs: 10 });
    const created = await client.onlineEndpoints.get(resourceGroup, workspace, 'private-endpoint');
    expect(created.properties).toMatchObject({ authMode: 'AADToken', publicNetworkAccess: 'Disabled', provisioningState: 'Succeeded' });
  });

  it('refuses an endpoint without authMode, and an unknown auth mode, naming the field', async () => {
    const missing = await arm('PUT', `${endpointPath}-2`, { location: 'eastus', properties: {} });
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('properties.authMode');
    const unknown = await arm('PUT', `${endpointPath}-2`, { location: 'eastus', properties: { authMode: 'Password' } });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('Key, AMLToken, AADToken');
  });

  it('names what CreateOrUpdate refuses: a name outside the pattern, a sku without its name; and a delete while a write runs (409)', async () => {
    const badName = await arm('PUT', `${endpointPath.replace(/[^/]+$/, '')}-bad.name`, { location: 'eastus', properties: { authMode: 'AADToken' } });
    expect(badName.status).toBe(400);
    expect(badName.text).toContain('endpointName');
    const noSkuName = await arm('PUT', `${endpointPath}/deployments/skuless`, { location: 'eastus', sku: { capacity: 1 }, properties: { endpointComputeType: 'Managed', instanceType: 'Standard_DS3_v2' } });
    expect(noSkuName.status).toBe(400);
    expect(noSkuName.text).toContain('sku.name');
    const created = await arm('PUT', `${endpointPath}/deployments/fresh`, { location: 'eastus', sku: { name: 'Default', capacity: 1 }, properties: { endpointComputeType: 'Managed', instanceType: 'Standard_DS3_v2' } });
    expect(created.status).toBe(201);
    expect(created.headers['azure-asyncoperation']).toMatch(/onlineOperationsStatus/);
    expect(created.headers['location']).toBeUndefined();
    const deleting = await arm('DELETE', `${endpointPath}/deployments/fresh`);
    expect(deleting.status).toBe(409);
  });

  it('answers 404 for a deployment of an endpoint that does not exist', async () => {
    const missing = await arm('GET', `${endpointPath}-missing/deployments/blue`);
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('ResourceNotFound');
  });

  it('deletes a deployment through OnlineDeployments_Delete, Deleting until it completes', async () => {
    const poller = await client.onlineDeployments.beginDelete(resourceGroup, workspace, endpoint, 'autoscaled', { updateIntervalInMs: 10 });
    expect((await client.onlineDeployments.get(resourceGroup, workspace, endpoint, 'autoscaled')).properties.provisioningState).toBe('Deleting');
    await poller.pollUntilDone();
    await expect(client.onlineDeployments.get(resourceGroup, workspace, endpoint, 'autoscaled')).rejects.toMatchObject({ statusCode: 404 });
  });
});
