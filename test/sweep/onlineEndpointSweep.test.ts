/**
 * Online endpoints and deployments in the sweep, against the emulator's seeded playground (an endpoint with public
 * network access and key auth, `blue` with 8 instances over the playground's cap of 2, `green` in Failed state) and
 * Azurite: what-if lists them with expected and actual values and writes nothing; an enforce sweep caps `blue`; the
 * owner of `green` hears once, is reminded after `remindAfter` and not before; deletion needs the policy's opt-in,
 * waits for the grace period, skips exempt deployments and is audited.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PLAYGROUND_ONLINE } from '../../dev/emulator/onlineEndpointSeed.js';
import { routeEvent } from '../../src/eventIntake/routeEvent.js';
import { governOnlineEndpoints } from '../../src/onlineEndpoints/governOnlineEndpoints.js';
import { onlineDeploymentOf } from '../../src/onlineEndpoints/onDeploymentWritten.js';
import { previewSweep } from '../../src/sweep/previewSweep.js';
import { formatReportMarkdown } from '../../src/sweep/reportMarkdown.js';
import { RG, SUB, WORKSPACE_ID, WS, quietLog, startGovernanceKit, writeEventFor, type GovernanceKit } from '../helpers/governanceKit.js';
import { localIdpCredential, request } from '../helpers/emulatorServices.js';
import { sweepInThisProcess } from '../helpers/sweepDriver.js';

const ENDPOINT_ID = `${WORKSPACE_ID}/onlineEndpoints/${PLAYGROUND_ONLINE.endpoint}`;
const BLUE_ID = `${ENDPOINT_ID}/deployments/${PLAYGROUND_ONLINE.overCapDeployment}`;
const GREEN_ID = `${ENDPOINT_ID}/deployments/${PLAYGROUND_ONLINE.failedDeployment}`;

let kit: GovernanceKit;

beforeAll(async () => {
  kit = await startGovernanceKit();
});

afterAll(async () => {
  await kit?.close();
});

beforeEach(() => {
  kit.emulator.reset();
});

const capacityOf = (id: string) => (kit.emulator.state.get(id)?.extra['sku'] as { capacity?: number } | undefined)?.capacity;
const failedNotices = () => kit.emulator.sinks.deliveries('teams').filter((delivery) => /online deployment churn-endpoint\/green/i.test(JSON.stringify(delivery.body)));
const withDeletion = (extra = '') => (policy: string) => policy.replace('    remindAfter: P1D\n', `    remindAfter: P1D\n    delete: { after: P7D }\n${extra}`);

/** Governs the playground workspace's endpoints as a sweep would, `hours` after the first call's start. */
function governorFor(app: ReturnType<GovernanceKit['app']>, modeOverride?: 'audit' | 'enforce'): (hours: number) => ReturnType<typeof governOnlineEndpoints> {
  const online = app.sweep.governance.onlineEndpoints;
  if (online === undefined) throw new Error('online endpoints are not composed');
  const start = Date.now();
  return (hours) =>
    governOnlineEndpoints({ subscriptionId: SUB, resourceGroup: RG, workspaceName: WS, owner: undefined }, app.sweep.governance.policy, online, app.sweep.governance.audit, () => new Date(start + hours * 3_600_000), {
      correlationId: `run-${hours}`,
      modeOverride,
    });
}

describe('online endpoints in the sweep', () => {
  it('what-if lists the over-cap and the failed deployment with expected and actual values, and writes nothing', async () => {
    const app = kit.app();
    const report = await previewSweep(app.sweep, quietLog, { subscriptions: [SUB] });
    const blue = report.lines.find((line) => line.resourceId === BLUE_ID);
    expect(blue).toMatchObject({ resourceType: 'onlineDeployment', outcome: 'wouldChange', change: 'sku.capacity → 2' });
    expect(blue?.findings).toEqual([expect.objectContaining({ rule: 'onlineEndpoints.maxInstances', expected: 2, actual: 8, relation: 'atMost', fixable: true })]);
    const green = report.lines.find((line) => line.resourceId === GREEN_ID);
    expect(green?.findings).toEqual([expect.objectContaining({ rule: 'onlineEndpoints.failedDeployment', expected: 'Succeeded', actual: 'Failed', fixable: false })]);
    const endpoint = report.lines.find((line) => line.resourceId === ENDPOINT_ID);
    expect(endpoint?.findings?.map((finding) => [finding.rule, finding.actual])).toEqual([
      ['onlineEndpoints.publicNetworkAccess', 'Enabled'],
      ['onlineEndpoints.authMode', 'Key'],
    ]);
    expect(capacityOf(BLUE_ID)).toBe(8);
    expect(failedNotices()).toHaveLength(0);
    const markdown = formatReportMarkdown(report);
    expect(markdown).toContain('churn-endpoint/blue _(online deployment)_');
    expect(markdown).toContain('churn-endpoint _(online endpoint)_');
  });

  it('an enforce sweep caps the deployment at the emulator and tells the failed deployment’s owner once', async () => {
    const app = kit.app();
    const first = await sweepInThisProcess(app.sweep, quietLog);
    expect(first.report?.lines.find((line) => line.resourceId === BLUE_ID)).toMatchObject({ outcome: 'remediated', change: 'sku.capacity → 2' });
    expect(capacityOf(BLUE_ID)).toBe(2);
    expect(kit.emulator.state.get(BLUE_ID)?.properties['provisioningState']).toBe('Succeeded');
    expect(failedNotices()).toHaveLength(1);
    await sweepInThisProcess(app.sweep, quietLog);
    expect(failedNotices()).toHaveLength(1);
  });

  it('reminds after remindAfter and not before, once', async () => {
    const app = kit.app();
    const run = governorFor(app);
    await run(0);
    expect(failedNotices()).toHaveLength(1);
    await run(23);
    expect(failedNotices()).toHaveLength(1);
    const reminded = await run(24);
    expect(reminded.find((result) => result.resourceId === GREEN_ID)?.note).toBe('owner reminded of the Failed deployment');
    expect(failedNotices()).toHaveLength(2);
    await run(48);
    expect(failedNotices()).toHaveLength(2);
    expect(kit.emulator.state.get(GREEN_ID)).toBeDefined();
  });

  it('deletes a failed deployment only with the opt-in, after the grace period, and audits it', async () => {
    const app = kit.app(withDeletion());
    const run = governorFor(app);
    await run(0);
    await run(7 * 24 - 1);
    expect(kit.emulator.state.get(GREEN_ID)).toBeDefined();
    const deleted = await run(7 * 24);
    expect(deleted.find((result) => result.resourceId === GREEN_ID)?.note).toBe('deleted after P7D in Failed state');
    expect(kit.emulator.state.get(GREEN_ID)).toBeUndefined();
    const audit = await app.sweep.governance.audit.history(GREEN_ID);
    expect(audit).toEqual([expect.objectContaining({ resourceType: 'onlineDeployment', outcome: 'remediated', correlationId: `run-${7 * 24}` })]);
    expect(audit[0]?.note).toMatch(/^deleted: Failed since/);
    expect(failedNotices().map((delivery) => JSON.stringify(delivery.body)).some((text) => text.includes('was deleted'))).toBe(true);
  });

  it('a deletion Azure refuses (no opt-in role: 403) is reported on the deployment, and the workspace is still swept', async () => {
    const app = kit.app(withDeletion());
    const run = governorFor(app);
    await run(0);
    const message = "The client does not have authorization to perform action 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments/delete'.";
    kit.emulator.injectFault({ method: 'DELETE', path: 'onlineEndpoints/churn-endpoint/deployments/green$', status: 403, times: 1, body: { error: { code: 'AuthorizationFailed', message } } });
    const refused = await run(7 * 24);
    expect(refused.find((result) => result.resourceId === GREEN_ID)?.note).toMatch(/^not deleted: Azure refused the deletion \(403\); grant .*deployments\/delete \(infra: allow_failed_deployment_deletion\)$/);
    expect(refused.find((result) => result.resourceId === BLUE_ID)).toBeDefined();
    expect(kit.emulator.state.get(GREEN_ID)).toBeDefined();
    expect(await app.sweep.governance.audit.history(GREEN_ID)).toEqual([]);
    // The claim was given back: once the role is granted, the next run deletes it.
    const deleted = await run(7 * 24 + 1);
    expect(deleted.find((result) => result.resourceId === GREEN_ID)?.note).toBe('deleted after P7D in Failed state');
    expect(kit.emulator.state.get(GREEN_ID)).toBeUndefined();
  });

  it('never deletes without the opt-in, nor in audit mode, nor an exempt deployment', async () => {
    const withoutOptIn = governorFor(kit.app());
    for (const hours of [0, 24, 30 * 24]) await withoutOptIn(hours);
    expect(kit.emulator.state.get(GREEN_ID)).toBeDefined();

    const audit = governorFor(kit.app(withDeletion()), 'audit');
    await audit(0);
    const due = await audit(30 * 24);
    expect(due.find((result) => result.resourceId === GREEN_ID)?.note).toMatch(/^due for deletion \(Failed for more than P7D since the first notice\); enforce mode deletes it$/);
    expect(kit.emulator.state.get(GREEN_ID)).toBeDefined();

    const put = kit.emulator.state.get(GREEN_ID);
    if (put === undefined) throw new Error('green is not seeded');
    kit.emulator.state.put({ ...put, tags: { ...put.tags, 'aml-warden-exempt': '2999-12-31;load test' } });
    const exempt = governorFor(kit.app(withDeletion()));
    for (const hours of [0, 24, 30 * 24]) await exempt(hours);
    expect(kit.emulator.state.get(GREEN_ID)).toBeDefined();
  });

  it('a deployment whose write fails is its own failed line; the rest of the workspace is still governed', async () => {
    kit.emulator.injectFault({ method: 'PATCH', path: 'onlineEndpoints/churn-endpoint/deployments/blue$', status: 400, times: 1, body: { error: { code: 'BadRequest', message: 'capacity refused' } } });
    const results = await governorFor(kit.app())(0);
    expect(results.find((result) => result.resourceId === BLUE_ID)).toMatchObject({ outcome: 'failed' });
    expect(results.find((result) => result.resourceId === BLUE_ID)?.note).toMatch(/capping failed: .*400/);
    expect(results.find((result) => result.resourceId === GREEN_ID)?.note).toBe('owner told of the Failed deployment');
  });

  it('a deployment that recovers and fails again is told afresh, and its grace period before deletion starts again', async () => {
    const run = governorFor(kit.app(withDeletion()));
    const setState = (provisioningState: string) => {
      const green = kit.emulator.state.get(GREEN_ID);
      if (green === undefined) throw new Error('green is not seeded');
      kit.emulator.state.put({ ...green, properties: { ...green.properties, provisioningState } });
    };
    await run(0);
    expect(failedNotices()).toHaveLength(1);
    setState('Succeeded');
    await run(24);
    setState('Failed');
    const again = await run(6 * 24);
    expect(again.find((result) => result.resourceId === GREEN_ID)?.note).toBe('owner told of the Failed deployment');
    expect(failedNotices()).toHaveLength(2);
    // Seven days after the first notice, but one day after this episode's: not deleted yet.
    await run(7 * 24);
    expect(kit.emulator.state.get(GREEN_ID)).toBeDefined();
    const deleted = await run(13 * 24);
    expect(deleted.find((result) => result.resourceId === GREEN_ID)?.note).toBe('deleted after P7D in Failed state');
  });

  it('a deployment written over its cap is capped on its ResourceWriteSuccess, re-read from ARM; a dry run only says so', async () => {
    const canary = `${ENDPOINT_ID}/deployments/canary`;
    const token = (await localIdpCredential(kit.emulator.url, kit.emulator.caPem).getToken('https://management.azure.com/.default'))?.token ?? '';
    const put = await request(`${kit.emulator.url}${canary}?api-version=2024-04-01`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}` },
      body: { location: 'eastus', sku: { name: 'Default', capacity: 6 }, properties: { endpointComputeType: 'Managed', instanceType: 'Standard_DS3_v2' } },
      ca: kit.emulator.caPem,
    });
    expect(put.status).toBe(201);
    expect(onlineDeploymentOf(canary)).toMatchObject({ endpointName: 'churn-endpoint', deploymentName: 'canary' });
    const app = kit.app();

    const dry = await routeEvent(writeEventFor(canary), async () => app, quietLog, { dryRun: true });
    expect(dry.reason).toBe('online deployment churn-endpoint/canary: wouldChange (sku.capacity → 2)');
    expect(capacityOf(canary)).toBe(6);

    const capped = await routeEvent(writeEventFor(canary), async () => app, quietLog);
    expect(capped.reason).toBe('online deployment churn-endpoint/canary: remediated (sku.capacity → 2)');
    expect(capacityOf(canary)).toBe(2);
    // The cap raises the event again: the re-read finds it within the cap.
    expect((await routeEvent(writeEventFor(canary), async () => app, quietLog)).reason).toBe('online deployment churn-endpoint/canary: compliant');
    // Another resource under the endpoint is not a deployment, and is not governed on write.
    expect((await routeEvent(writeEventFor(ENDPOINT_ID), async () => app, quietLog)).handled).toBe(false);
  });
});
