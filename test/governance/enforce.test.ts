import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAuditTrail } from '../../src/adapters/tables/auditTrail.js';
import type { App } from '../../src/composition.js';
import { enforceResource } from '../../src/governance/enforceResource.js';
import { governResource } from '../../src/governance/governResource.js';
import { AppError } from '../../src/errors.js';
import { request } from '../helpers/emulatorServices.js';
import { RG, SUB, WORKSPACE_ID, WS, computeIdOf, quietLog, startGovernanceKit, writeEventFor, writesTo, type GovernanceKit } from '../helpers/governanceKit.js';

let kit: GovernanceKit;
let enforcing: App;
let auditing: App;

beforeAll(async () => {
  kit = await startGovernanceKit();
  enforcing = kit.app();
  auditing = kit.app((policy) => policy.replace('mode: enforce', 'mode: audit'));
});

afterAll(async () => {
  await kit?.close();
});

beforeEach(() => {
  kit.emulator.reset();
});

async function armJson(method: string, path: string, apiVersion: string, body?: unknown): Promise<{ status: number; body: any }> {
  const token = await enforcing.adapters.credential.getToken('https://management.azure.com/.default');
  const response = await request(`${kit.emulator.url}${path}?api-version=${apiVersion}`, {
    method,
    headers: { authorization: `Bearer ${token?.token ?? ''}` },
    ...(body === undefined ? {} : { body }),
    ca: kit.emulator.caPem,
  });
  return { status: response.status, body: response.text === '' ? undefined : response.json() };
}

async function putCluster(name: string, properties: Record<string, unknown>, tags: Record<string, string> = {}): Promise<string> {
  const id = computeIdOf(name);
  const created = await armJson('PUT', id, '2022-10-01', { location: 'eastus', tags, properties: { computeType: 'AmlCompute', properties } });
  expect(created.status).toBeLessThan(300);
  return id;
}

const tagged = { owner: 'mlops-team@contoso.com', 'cost-center': 'cc-1234', environment: 'dev' };
const wasteful = { vmSize: 'Standard_DS3_v2', remoteLoginPortPublicAccess: 'Disabled', scaleSettings: { minNodeCount: 2, maxNodeCount: 4, nodeIdleTimeBeforeScaleDown: 'PT2H' } };

const context = (dryRun = false) => ({ log: quietLog, dryRun });

describe('ResourceWriteSuccess on a compute, enforce mode', () => {
  it('scales a new cluster to zero and shortens its idle time with one update that reaches Succeeded, and writes no tags', async () => {
    const id = await putCluster('wasteful', wasteful);
    kit.emulator.resetCalls();

    const outcome = await enforceResource(enforcing.governance, writeEventFor(id), context());

    expect(outcome.handled).toBe(true);
    const writes = writesTo(kit.emulator, id);
    expect(writes.map((call) => `${call.method} ${call.query}`)).toEqual(['PATCH ?api-version=2024-04-01']);
    // ClusterUpdateParameters: the complete scale settings and nothing else.
    expect(writes[0]?.body).toEqual({ properties: { properties: { scaleSettings: { maxNodeCount: 4, minNodeCount: 0, nodeIdleTimeBeforeScaleDown: 'PT30M' } } } });
    const after = (await armJson('GET', id, '2022-10-01')).body;
    expect(after.properties.provisioningState).toBe('Succeeded');
    expect(after.properties.properties.scaleSettings).toMatchObject({ minNodeCount: 0, maxNodeCount: 4, nodeIdleTimeBeforeScaleDown: 'PT30M' });
    expect(after.tags).toEqual({});
    expect(kit.emulator.calls().filter((call) => call.method !== 'GET' && call.path.includes('/providers/Microsoft.Resources/tags/'))).toHaveLength(0);
  });

  it('reports a cluster created without tags as non-compliant with the reason, and tells its owner once', async () => {
    const id = await putCluster('untagged', { vmSize: 'Standard_DS3_v2', remoteLoginPortPublicAccess: 'Disabled', scaleSettings: { minNodeCount: 0, maxNodeCount: 4, nodeIdleTimeBeforeScaleDown: 'PT30M' } });
    kit.emulator.resetCalls();

    const outcome = await enforceResource(enforcing.governance, writeEventFor(id), context());
    await enforceResource(enforcing.governance, writeEventFor(id), context());

    expect(outcome.reason).toContain('tags.required:owner');
    expect(writesTo(kit.emulator, id)).toHaveLength(0);
    const [entry] = await createAuditTrail(enforcing.adapters.state).history(id);
    expect(entry?.outcome).toBe('violations');
    const finding = entry?.findings.find((f) => f.rule === 'tags.required:cost-center');
    expect(finding).toMatchObject({ fixable: false });
    expect(finding?.advice).toContain("a compute's tags are set when it is created");
    const notices = kit.emulator.sinks.deliveries('teams').filter((delivery) => JSON.stringify(delivery.body).includes('untagged'));
    expect(notices).toHaveLength(1);
    expect(JSON.stringify(notices[0]?.body)).toContain('mlops-team@contoso.com');
  });

  it('finds the resource compliant on the event its own write raises, and writes nothing (no loop)', async () => {
    const id = await putCluster('wasteful', wasteful, tagged);
    await enforceResource(enforcing.governance, writeEventFor(id), context());
    kit.emulator.resetCalls();

    const second = await enforceResource(enforcing.governance, writeEventFor(id), context());

    expect(second.reason).toContain('compliant');
    expect(writesTo(kit.emulator, id)).toHaveLength(0);
  });

  it('records the change with its rules and the values before and after in the audit trail', async () => {
    const id = await putCluster('audited-change', wasteful);
    await enforceResource(enforcing.governance, writeEventFor(id), context());

    const [entry] = await createAuditTrail(enforcing.adapters.state).history(id);
    expect(entry?.outcome).toBe('remediated');
    expect(entry?.change?.rules).toEqual(expect.arrayContaining(['scaling.minNodeCount', 'scaling.nodeIdleTimeBeforeScaleDown']));
    expect(entry?.change?.result).toBe('applied');
    expect(entry?.change?.before.scaleSettings).toMatchObject({ minNodeCount: 2, nodeIdleTimeBeforeScaleDown: 'PT2H' });
    expect(entry?.change?.after?.scaleSettings).toMatchObject({ minNodeCount: 0, nodeIdleTimeBeforeScaleDown: 'PT30M' });
  });

  it('holds back lowering maxNodeCount while a job runs on the cluster, and fixes the rest', async () => {
    const id = await putCluster('busy', { ...wasteful, scaleSettings: { minNodeCount: 1, maxNodeCount: 20, nodeIdleTimeBeforeScaleDown: 'PT2H' } });
    const job = await armJson('PUT', `${WORKSPACE_ID}/jobs/train-1`, '2022-10-01', {
      properties: { jobType: 'Command', status: 'Running', computeId: id, command: 'python train.py', environmentId: 'azureml:env:1' },
    });
    expect(job.status).toBeLessThan(300);
    kit.emulator.resetCalls();

    await enforceResource(enforcing.governance, writeEventFor(id), context());

    const scale = (await armJson('GET', id, '2022-10-01')).body.properties.properties.scaleSettings;
    expect(scale).toMatchObject({ minNodeCount: 0, maxNodeCount: 20, nodeIdleTimeBeforeScaleDown: 'PT30M' });
    const [entry] = await createAuditTrail(enforcing.adapters.state).history(id);
    expect(entry?.deferred?.rules).toEqual(['scaling.maxNodeCount']);
    expect(entry?.deferred?.reason).toContain('unfinished jobs');
  });

  it('lowers maxNodeCount once the cluster has no unfinished job', async () => {
    const id = await putCluster('idle-big', { ...wasteful, scaleSettings: { minNodeCount: 0, maxNodeCount: 20, nodeIdleTimeBeforeScaleDown: 'PT30M' } });
    await armJson('PUT', `${WORKSPACE_ID}/jobs/done-1`, '2022-10-01', { properties: { jobType: 'Command', status: 'Completed', computeId: id, command: 'x', environmentId: 'e' } });

    await enforceResource(enforcing.governance, writeEventFor(id), context());

    expect((await armJson('GET', id, '2022-10-01')).body.properties.properties.scaleSettings.maxNodeCount).toBe(4);
  });

  it('reports a VM size and public SSH it cannot change in place, and writes nothing for them', async () => {
    const id = await putCluster('gpu-like', { vmSize: 'Standard_NC24', remoteLoginPortPublicAccess: 'Enabled', scaleSettings: { minNodeCount: 0, maxNodeCount: 4, nodeIdleTimeBeforeScaleDown: 'PT30M' } }, {
      owner: 'a@contoso.com',
      'cost-center': 'cc-1',
      environment: 'dev',
    });
    kit.emulator.resetCalls();

    const outcome = await enforceResource(enforcing.governance, writeEventFor(id), context());

    expect(outcome.reason).toContain('scaling.vmSize');
    expect(outcome.reason).toContain('scaling.remoteLoginPortPublicAccess');
    expect(writesTo(kit.emulator, id)).toHaveLength(0);
  });

  it("shortens a compute instance's idle shutdown through updateIdleShutdownSetting, never a PATCH", async () => {
    const id = computeIdOf('ci-alice');
    await armJson('PUT', id, '2025-12-01', { location: 'eastus', tags: { owner: 'alice@contoso.com', 'cost-center': 'cc-1', environment: 'dev' }, properties: { computeType: 'ComputeInstance', properties: { vmSize: 'Standard_DS3_v2', idleTimeBeforeShutdown: 'PT4H' } } });
    kit.emulator.resetCalls();

    await enforceResource(enforcing.governance, writeEventFor(id), context());

    const writes = kit.emulator.calls().filter((call) => call.method !== 'GET' && call.path.toLowerCase().startsWith(id.toLowerCase()));
    expect(writes.map((call) => `${call.method} ${call.path.slice(id.length)}${call.query}`)).toEqual(['POST /updateIdleShutdownSetting?api-version=2025-12-01']);
    expect(writes[0]?.body).toEqual({ idleTimeBeforeShutdown: 'PT60M' });
    expect((await armJson('GET', id, '2025-12-01')).body.properties.properties.idleTimeBeforeShutdown).toBe('PT60M');
    kit.emulator.resetCalls();
    await enforceResource(enforcing.governance, writeEventFor(id), context());
    expect(writesTo(kit.emulator, id)).toHaveLength(0);
  });

  it('records a fix Azure accepted and did not apply as ineffective, tells the owner once, and never writes it again', async () => {
    const id = await putCluster('stubborn', wasteful, { owner: 'dana@contoso.com', 'cost-center': 'cc-1', environment: 'dev' });
    kit.emulator.resetCalls();
    kit.emulator.sinks.clear('teams');
    kit.emulator.injectFault({ kind: 'ignore-write', method: 'PATCH', path: '/computes/stubborn$', times: 100 });

    const first = await enforceResource(enforcing.governance, writeEventFor(id), context());
    // The write's own completion event, and one more for good measure: nothing is written again.
    const second = await enforceResource(enforcing.governance, writeEventFor(id), context());
    const third = await enforceResource(enforcing.governance, writeEventFor(id), context());

    expect(first.reason).toContain('ineffective');
    expect(second.reason).toContain('ineffective');
    expect(third.reason).toContain('ineffective');
    expect(writesTo(kit.emulator, id)).toHaveLength(1);
    const [entry] = await createAuditTrail(enforcing.adapters.state).history(id);
    expect(entry?.outcome).toBe('ineffective');
    expect(entry?.change?.result).toBe('ignored');
    const notices = kit.emulator.sinks.deliveries('teams').filter((delivery) => JSON.stringify(delivery.body).includes('did not take'));
    expect(notices).toHaveLength(1);
    expect(JSON.stringify(notices[0]?.body)).toContain('dana@contoso.com');
  });
});

describe('an idle shutdown Azure accepts and does not apply', () => {
  it('is recorded as ineffective once and not set again', async () => {
    const id = computeIdOf('ci-stubborn');
    await armJson('PUT', id, '2025-12-01', { location: 'eastus', tags: tagged, properties: { computeType: 'ComputeInstance', properties: { vmSize: 'Standard_DS3_v2', idleTimeBeforeShutdown: 'PT4H' } } });
    kit.emulator.resetCalls();
    kit.emulator.injectFault({ kind: 'ignore-write', method: 'POST', path: '/computes/ci-stubborn/updateIdleShutdownSetting$', times: 100 });

    const first = await enforceResource(enforcing.governance, writeEventFor(id), context());
    const second = await enforceResource(enforcing.governance, writeEventFor(id), context());

    expect(first.reason).toContain('ineffective');
    expect(second.reason).toContain('ineffective');
    expect(kit.emulator.calls().filter((call) => call.method === 'POST' && call.path.endsWith('/updateIdleShutdownSetting'))).toHaveLength(1);
  });
});

describe('a long update that is still running when the wait ends', () => {
  let slow: GovernanceKit;
  beforeAll(async () => {
    slow = await startGovernanceKit({ lroPolls: 1_000_000, lroCompleteAfterMs: 300 });
  });
  afterAll(async () => {
    await slow?.close();
  });

  it('counts the accepted write as written, and on its completion event finds whether it took: applied, nothing more to do', async () => {
    const services = slow.app();
    const deps = { ...services.governance, confirmWithinMs: 50 };
    const token = await services.adapters.credential.getToken('https://management.azure.com/.default');
    const id = computeIdOf('slow-cluster');
    await request(`${slow.emulator.url}${id}?api-version=2022-10-01`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token?.token ?? ''}` },
      body: { location: 'eastus', tags: tagged, properties: { computeType: 'AmlCompute', properties: wasteful } },
      ca: slow.emulator.caPem,
    });
    await new Promise((resolve) => setTimeout(resolve, 400));
    slow.emulator.resetCalls();

    const first = await enforceResource(deps, writeEventFor(id), context());
    expect(first.reason).toContain('still applying');
    await new Promise((resolve) => setTimeout(resolve, 400));
    const second = await enforceResource(deps, writeEventFor(id), context());

    expect(second.reason).toContain('compliant');
    expect(writesTo(slow.emulator, id)).toHaveLength(1);
  });

  it('writes a fix again when a person puts the old values back after an update whose end it did not see', async () => {
    const services = slow.app();
    const deps = { ...services.governance, confirmWithinMs: 50 };
    const token = await services.adapters.credential.getToken('https://management.azure.com/.default');
    const auth = { authorization: `Bearer ${token?.token ?? ''}` };
    const id = computeIdOf('slow-reverted');
    const body = { location: 'eastus', tags: tagged, properties: { computeType: 'AmlCompute', properties: wasteful } };
    await request(`${slow.emulator.url}${id}?api-version=2022-10-01`, { method: 'PUT', headers: auth, body, ca: slow.emulator.caPem });
    await new Promise((resolve) => setTimeout(resolve, 400));
    slow.emulator.resetCalls();

    await enforceResource(deps, writeEventFor(id), context());
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await enforceResource(deps, writeEventFor(id), context())).reason).toContain('compliant');
    // Someone puts the cluster back as it was: a new change, not a fix that failed.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await request(`${slow.emulator.url}${id}?api-version=2022-10-01`, { method: 'PUT', headers: auth, body, ca: slow.emulator.caPem });
    await new Promise((resolve) => setTimeout(resolve, 400));
    const again = await enforceResource(deps, writeEventFor(id), context());

    expect(again.reason).not.toContain('ineffective');
    expect(writesTo(slow.emulator, id).filter((call) => call.method === 'PATCH')).toHaveLength(2);
  });

  it('calls a written fix ineffective when its completion event finds the compute still needing exactly it', async () => {
    const services = slow.app();
    const deps = { ...services.governance, confirmWithinMs: 50 };
    const token = await services.adapters.credential.getToken('https://management.azure.com/.default');
    const id = computeIdOf('slow-stubborn');
    await request(`${slow.emulator.url}${id}?api-version=2022-10-01`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token?.token ?? ''}` },
      body: { location: 'eastus', properties: { computeType: 'AmlCompute', properties: wasteful } },
      ca: slow.emulator.caPem,
    });
    await new Promise((resolve) => setTimeout(resolve, 400));
    slow.emulator.resetCalls();
    slow.emulator.injectFault({ kind: 'ignore-write', method: 'PATCH', path: '/computes/slow-stubborn$', times: 100 });

    await enforceResource(deps, writeEventFor(id), context());
    await new Promise((resolve) => setTimeout(resolve, 400));
    const followUp = await enforceResource(deps, writeEventFor(id), context());
    const again = await enforceResource(deps, writeEventFor(id), context());

    expect(followUp.reason).toContain('ineffective');
    expect(again.reason).toContain('ineffective');
    expect(writesTo(slow.emulator, id)).toHaveLength(1);
  });
});

describe('ResourceWriteSuccess in audit mode and for exempt resources', () => {
  it('audit mode records the findings and leaves the cluster unchanged', async () => {
    const id = await putCluster('audit-only', wasteful);
    kit.emulator.resetCalls();

    const outcome = await enforceResource(auditing.governance, writeEventFor(id), context());

    expect(outcome.reason).toContain('scaling.minNodeCount');
    expect(writesTo(kit.emulator, id)).toHaveLength(0);
    expect((await armJson('GET', id, '2022-10-01')).body.properties.properties.scaleSettings.minNodeCount).toBe(2);
    const [entry] = await createAuditTrail(auditing.adapters.state).history(id);
    expect(entry?.outcome).toBe('violations');
    expect(entry?.findings.map((finding) => finding.rule)).toContain('scaling.nodeIdleTimeBeforeScaleDown');
  });

  it('leaves an exempt cluster untouched until its exemption expires', async () => {
    const exempt = await putCluster('exempt-until-3000', wasteful, { 'aml-warden-exempt': '2999-12-31;load test' });
    const expired = await putCluster('exempt-until-2020', wasteful, { 'aml-warden-exempt': '2020-01-31;load test' });
    kit.emulator.resetCalls();

    const kept = await enforceResource(enforcing.governance, writeEventFor(exempt), context());
    await enforceResource(enforcing.governance, writeEventFor(expired), context());

    expect(kept.reason).toContain('exempt until 2999-12-31');
    expect(writesTo(kit.emulator, exempt)).toHaveLength(0);
    expect(writesTo(kit.emulator, expired)).toHaveLength(1);
    expect((await armJson('GET', expired, '2022-10-01')).body.properties.properties.scaleSettings.minNodeCount).toBe(0);
  });
});

describe('ResourceWriteSuccess on a workspace', () => {
  it('merges a missing tag from the resource group through the Tags API and keeps the others', async () => {
    await armJson('PUT', `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Resources/tags/default`, '2021-04-01', { properties: { tags: { 'cost-center': 'cc-from-rg' } } });
    await armJson('PUT', `${WORKSPACE_ID}/providers/Microsoft.Resources/tags/default`, '2021-04-01', { properties: { tags: { owner: 'mlops-team@contoso.com', environment: 'dev', extra: 'kept' } } });
    kit.emulator.resetCalls();

    await enforceResource(enforcing.governance, writeEventFor(WORKSPACE_ID), context());

    const writes = writesTo(kit.emulator, WORKSPACE_ID);
    expect(writes.map((call) => `${call.method} ${call.path}`)).toEqual([`PATCH ${WORKSPACE_ID}/providers/Microsoft.Resources/tags/default`]);
    expect((await armJson('GET', WORKSPACE_ID, '2022-10-01')).body.tags).toEqual({ owner: 'mlops-team@contoso.com', environment: 'dev', extra: 'kept', 'cost-center': 'cc-from-rg' });
  });
});

describe('writes that cannot clobber', () => {
  const location = { subscriptionId: SUB, resourceGroup: RG, workspaceName: WS };

  /** Compute_Update as a person sends it, followed until the cluster is Succeeded again. */
  async function rescaleByHand(id: string, scaleSettings: Record<string, unknown>): Promise<void> {
    const patched = await armJson('PATCH', id, '2024-04-01', { properties: { properties: { scaleSettings } } });
    expect(patched.status).toBeLessThan(300);
    for (let poll = 0; poll < 100 && (await armJson('GET', id, '2024-04-01')).body.properties.provisioningState !== 'Succeeded'; poll += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('a cluster someone rescaled after it was read is evaluated again as it is now: the fix keeps their node count', async () => {
    const id = await putCluster('rescaled', wasteful, tagged);
    const deps = enforcing.governance;
    const stale = await deps.arm.readCompute(location, 'rescaled');
    const workspace = await deps.arm.readWorkspace(location);
    // After the read, a person lowers the cluster to 3 nodes at most.
    await rescaleByHand(id, { minNodeCount: 2, maxNodeCount: 3, nodeIdleTimeBeforeScaleDown: 'PT2H' });
    kit.emulator.resetCalls();

    const result = await governResource(stale, workspace, deps, { source: 'event', correlationId: 'evt-rescaled' });

    expect(result.outcome).toBe('remediated');
    // One write, built from the cluster as it is now: their maxNodeCount stays.
    expect(writesTo(kit.emulator, id).map((call) => call.body)).toEqual([{ properties: { properties: { scaleSettings: { maxNodeCount: 3, minNodeCount: 0, nodeIdleTimeBeforeScaleDown: 'PT30M' } } } }]);
    const after = (await armJson('GET', id, '2024-04-01')).body;
    expect(after.properties.properties.scaleSettings).toMatchObject({ minNodeCount: 0, maxNodeCount: 3, nodeIdleTimeBeforeScaleDown: 'PT30M' });
  });

  it('an update ARM refuses with 409 is re-read and evaluated once more, then written', async () => {
    const id = await putCluster('contended', wasteful, tagged);
    kit.emulator.resetCalls();
    kit.emulator.injectFault({ method: 'PATCH', path: `${id}$`, status: 409, body: { error: { code: 'Conflict', message: 'Another operation is in progress on this compute.' } }, times: 1 });

    const outcome = await enforceResource(enforcing.governance, writeEventFor(id), context());

    expect(outcome.reason).toContain('remediated');
    expect(writesTo(kit.emulator, id).map((call) => call.status)).toEqual([409, 200]);
    expect((await armJson('GET', id, '2024-04-01')).body.properties.properties.scaleSettings).toMatchObject({ minNodeCount: 0 });
  });

  it('a second conflict fails the invocation as transient, so Event Grid delivers the event again, and nothing was changed', async () => {
    const id = await putCluster('contended-twice', wasteful, tagged);
    kit.emulator.resetCalls();
    kit.emulator.injectFault({ method: 'PATCH', path: `${id}$`, status: 412, body: { error: { code: 'PreconditionFailed', message: 'The resource changed.' } }, times: 2 });

    const failure = await enforceResource(enforcing.governance, writeEventFor(id), context()).then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(failure).toBeInstanceOf(AppError);
    expect((failure as AppError).transient).toBe(true);
    expect((failure as AppError).message).toContain('conflicted twice');
    expect(writesTo(kit.emulator, id).map((call) => call.status)).toEqual([412, 412]);
    expect((await armJson('GET', id, '2024-04-01')).body.properties.properties.scaleSettings).toMatchObject({ minNodeCount: 2 });
    // The redelivery finds nothing in its way.
    expect((await enforceResource(enforcing.governance, writeEventFor(id), context())).reason).toContain('remediated');
  });
});

describe('ResourceWriteSuccess failures', () => {
  it('drops the event of a compute that is gone (404) without failing', async () => {
    const outcome = await enforceResource(enforcing.governance, writeEventFor(computeIdOf('deleted-meanwhile')), context());
    expect(outcome).toMatchObject({ handled: false });
    expect(outcome.reason).toContain('404');
  });

  it('fails the invocation on a transient ARM failure so Event Grid redelivers', async () => {
    // Throttled past every retry (Retry-After 0 keeps the test quick).
    kit.emulator.injectFault({ method: 'GET', path: `${computeIdOf('gpu-cluster')}$`, status: 429, headers: { 'Retry-After': '0' }, times: 1000 });
    const failure = await enforceResource(enforcing.governance, writeEventFor(computeIdOf('gpu-cluster')), context()).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(AppError);
    expect((failure as AppError).transient).toBe(true);
  });

  it('ignores events for resources out of the policy scope without reading ARM', async () => {
    kit.emulator.resetCalls();
    const outcome = await enforceResource(
      enforcing.governance,
      writeEventFor('/subscriptions/99999999-9999-9999-9999-999999999999/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w/computes/c'),
      context(),
    );
    expect(outcome).toMatchObject({ handled: false });
    expect(kit.emulator.calls()).toHaveLength(0);
  });
});
