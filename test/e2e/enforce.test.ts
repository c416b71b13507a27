/**
 * End to end: the emulator delivers ResourceWriteSuccess events to the offline Functions host, whose
 * `resourceEvents` function enforces the policy. The app's own write raises another event, which must find
 * the cluster compliant and write nothing.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type FunctionsHost } from '../../dev/host/host.js';
import { setAppForProcess, type App } from '../../src/composition.js';
import { computeIdOf, startGovernanceKit, writesTo, type GovernanceKit } from '../helpers/governanceKit.js';
import { request } from '../helpers/emulatorServices.js';
import { repositoryRoot } from '../helpers/repositoryRoot.js';

let host: FunctionsHost;
let kit: GovernanceKit;
let services: App;

beforeAll(async () => {
  host = await startHost({ entry: join(repositoryRoot, 'src', 'functions', 'resourceEvents.ts'), port: 0, timers: false, log: () => {} });
  kit = await startGovernanceKit({
    eventSubscriptions: [{ endpoint: host.eventGridUrl('resourceEvents'), eventTypes: ['Microsoft.Resources.ResourceWriteSuccess'] }],
  });
  services = kit.app();
  setAppForProcess(services);
});

afterAll(async () => {
  setAppForProcess(undefined);
  await kit?.close();
  await host?.close();
});

/** Until Event Grid has nothing left to deliver (each delivery may cause another). */
async function settled(): Promise<void> {
  for (let round = 0; round < 10; round += 1) {
    const before = kit.emulator.events.delivered().length;
    await kit.emulator.events.idle();
    await new Promise((resolve) => setTimeout(resolve, 200));
    if (kit.emulator.events.delivered().length === before) return;
  }
}

describe('resource events delivered by Event Grid to the Functions host', () => {
  it('fixes a wasteful cluster with one write and does not loop on the event that write raises', async () => {
    const id = computeIdOf('pushed-by-user');
    const token = await services.adapters.credential.getToken('https://management.azure.com/.default');
    const put = await request(`${kit.emulator.url}${id}?api-version=2022-10-01`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token?.token ?? ''}` },
      body: { location: 'eastus', tags: { owner: 'mlops-team@contoso.com', 'cost-center': 'cc-1234', environment: 'dev' }, properties: { computeType: 'AmlCompute', properties: { vmSize: 'Standard_DS3_v2', remoteLoginPortPublicAccess: 'Disabled', scaleSettings: { minNodeCount: 2, maxNodeCount: 4, nodeIdleTimeBeforeScaleDown: 'PT2H' } } } },
      ca: kit.emulator.caPem,
    });
    expect(put.status).toBeLessThan(300);
    kit.emulator.resetCalls();

    await settled();

    const compute = (await request(`${kit.emulator.url}${id}?api-version=2022-10-01`, { headers: { authorization: `Bearer ${token?.token ?? ''}` }, ca: kit.emulator.caPem })).json<any>();
    expect(compute.properties.provisioningState).toBe('Succeeded');
    expect(compute.properties.properties.scaleSettings).toMatchObject({ minNodeCount: 0, nodeIdleTimeBeforeScaleDown: 'PT30M' });
    expect(writesTo(kit.emulator, id)).toHaveLength(1);
    const deliveries = kit.emulator.events.delivered().filter((delivery) => delivery.final);
    // The user's write and the app's own: both delivered and accepted, nothing more.
    expect(deliveries.length).toBe(2);
    expect(deliveries.every((delivery) => delivery.succeeded)).toBe(true);
  });

  it("brings a compute instance's PT4H idle shutdown down to PT60M through updateIdleShutdownSetting, with no PATCH carrying it", async () => {
    const id = computeIdOf('ci-long-idle');
    const token = await services.adapters.credential.getToken('https://management.azure.com/.default');
    const auth = { authorization: `Bearer ${token?.token ?? ''}` };
    const put = await request(`${kit.emulator.url}${id}?api-version=2025-12-01`, {
      method: 'PUT',
      headers: auth,
      body: { location: 'eastus', tags: { owner: 'alice@contoso.com', 'cost-center': 'cc-1234', environment: 'dev' }, properties: { computeType: 'ComputeInstance', properties: { vmSize: 'Standard_DS3_v2', idleTimeBeforeShutdown: 'PT4H' } } },
      ca: kit.emulator.caPem,
    });
    expect(put.status).toBeLessThan(300);
    kit.emulator.resetCalls();

    await settled();

    const instance = (await request(`${kit.emulator.url}${id}?api-version=2025-12-01`, { headers: auth, ca: kit.emulator.caPem })).json<any>();
    expect(instance.properties.properties.idleTimeBeforeShutdown).toBe('PT60M');
    const writes = kit.emulator.calls().filter((call) => call.method !== 'GET' && call.path.toLowerCase().startsWith(id.toLowerCase()));
    expect(writes.map((call) => `${call.method} ${call.path.slice(id.length)}`)).toEqual(['POST /updateIdleShutdownSetting']);
    expect(kit.emulator.calls().filter((call) => call.method === 'PATCH' && JSON.stringify(call.body ?? {}).includes('idleTimeBeforeShutdown'))).toEqual([]);
  });

  it('reports a cluster created without tags and writes none, fixing its scale settings with one update that reaches Succeeded', async () => {
    const id = computeIdOf('untagged-by-user');
    const token = await services.adapters.credential.getToken('https://management.azure.com/.default');
    const auth = { authorization: `Bearer ${token?.token ?? ''}` };
    await request(`${kit.emulator.url}${id}?api-version=2024-04-01`, {
      method: 'PUT',
      headers: auth,
      body: { location: 'eastus', properties: { computeType: 'AmlCompute', properties: { vmSize: 'Standard_DS3_v2', remoteLoginPortPublicAccess: 'Disabled', scaleSettings: { minNodeCount: 1, maxNodeCount: 4, nodeIdleTimeBeforeScaleDown: 'PT30M' } } } },
      ca: kit.emulator.caPem,
    });
    kit.emulator.resetCalls();

    await settled();

    const compute = (await request(`${kit.emulator.url}${id}?api-version=2024-04-01`, { headers: auth, ca: kit.emulator.caPem })).json<any>();
    expect(compute.tags).toEqual({});
    expect(compute.properties.provisioningState).toBe('Succeeded');
    expect(compute.properties.properties.scaleSettings.minNodeCount).toBe(0);
    expect(writesTo(kit.emulator, id).map((call) => call.method)).toEqual(['PATCH']);
    const notice = kit.emulator.sinks.deliveries('teams').find((delivery) => JSON.stringify(delivery.body).includes('untagged-by-user'));
    expect(JSON.stringify(notice?.body)).toContain('tags.required:owner');
  });
});
