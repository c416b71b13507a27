/**
 * The emulator's Azure ML quota (`Usages_List`, `Quotas_List`): usage counted from the computes that hold cores,
 * paged by `nextLink` as the SDK follows it, and ARM's 404 / 400 answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLAYGROUND } from '../../../dev/emulator/seed.js';
import { startEmulator, type RunningEmulator } from '../../../dev/emulator/server.js';
import { createMachineLearningClientFactory } from '../../../src/adapters/arm/machineLearning.js';
import { createQuotaReader } from '../../../src/adapters/arm/quotaReader.js';
import { localIdpCredential, request } from '../../helpers/emulatorServices.js';

const { subscriptionId } = PLAYGROUND;
const LOCATIONS = `/subscriptions/${subscriptionId}/providers/Microsoft.MachineLearningServices/locations`;
let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, lroPolls: 0, pageSize: 3 });
});

afterAll(async () => {
  await emulator?.close();
});

async function get(path: string, apiVersion: string | null = '2024-04-01') {
  const credential = localIdpCredential(emulator.url, emulator.caPem);
  const token = await credential.getToken('https://management.azure.com/.default');
  return request(`${emulator.url}${path}${apiVersion === null ? '' : `?api-version=${apiVersion}`}`, { method: 'GET', ca: emulator.caPem, headers: { authorization: `Bearer ${token?.token ?? ''}` } });
}

describe('Azure ML quota in the emulator', () => {
  it('counts the playground NC24 node against the NC family, per subscription and workspace, across pages', async () => {
    const reader = createQuotaReader(
      createMachineLearningClientFactory({ armEndpoint: emulator.url, credential: localIdpCredential(emulator.url, emulator.caPem), timeoutMs: 10_000, ca: emulator.caPem }),
    );
    emulator.resetCalls();
    const answer = await reader.read(subscriptionId, 'eastus');

    const nc = answer.usages.filter((usage) => usage.id.endsWith('/Standard_NC_Family_Cluster_Dedicated_vCPUs'));
    expect(nc.map((usage) => [usage.type, usage.currentValue, usage.limit])).toEqual([
      ['Microsoft.MachineLearningServices/vmFamily/usages', 24, 24],
      ['Microsoft.MachineLearningServices/workspaces/usages', 24, 24],
    ]);
    // The regional total is every dedicated family's use (other seeded computes included).
    const families = answer.usages.filter((usage) => usage.type.endsWith('/vmFamily/usages') && usage.id.includes('_Dedicated_'));
    const total = families.reduce((sum, usage) => sum + (usage.currentValue ?? 0), 0);
    expect(total).toBeGreaterThanOrEqual(24);
    expect(answer.usages.find((usage) => usage.type.endsWith('/dedicatedCores/usages'))).toMatchObject({ currentValue: total, limit: 100, displayName: 'Total Cluster Dedicated Regional vCPUs' });
    expect(answer.quotas.filter((quota) => quota.id.includes('_NC_'))).toEqual([
      {
        id: `/subscriptions/${subscriptionId}/resourceGroups/${PLAYGROUND.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${PLAYGROUND.workspace}/quotas/Standard_NC_Family_Cluster_Dedicated_vCPUs`,
        type: 'Microsoft.MachineLearningServices/workspaces/quotas',
        displayName: 'Standard NC Family Cluster Dedicated vCPUs',
        currentValue: undefined,
        limit: 24,
      },
    ]);
    // 2 regional totals + 8 families × 2 priorities + the workspace's entry per family in use, three to a page.
    const workspaceEntries = answer.usages.filter((usage) => usage.type.endsWith('/workspaces/usages')).length;
    expect(answer.usages).toHaveLength(18 + workspaceEntries);
    expect(emulator.calls().filter((call) => call.path.endsWith('/usages'))).toHaveLength(Math.ceil((18 + workspaceEntries) / 3));
  });

  it('answers nothing in use in another region, 404 for an unknown subscription, 400 without an api-version or for a bad location', async () => {
    const west = await get(`${LOCATIONS}/westus/quotas`);
    expect(west.status).toBe(200);
    expect(west.json()).toEqual({ value: [] });
    const unknown = await get('/subscriptions/99999999-9999-9999-9999-999999999999/providers/Microsoft.MachineLearningServices/locations/eastus/usages');
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toMatchObject({ error: { code: 'SubscriptionNotFound' } });
    const noVersion = await get(`${LOCATIONS}/eastus/usages`, null);
    expect(noVersion.status).toBe(400);
    expect(noVersion.json()).toMatchObject({ error: { code: 'MissingApiVersionParameter' } });
    const badLocation = await get(`${LOCATIONS}/east%20us/usages`);
    expect(badLocation.status).toBe(400);
    expect(JSON.stringify(badLocation.json())).toContain("'location'");
  });
});
