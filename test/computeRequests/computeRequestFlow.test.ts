/** The compute-request use cases on in-memory ports: who may decide, what one decision provisions, and what the log shows. */
import { describe, expect, it } from 'vitest';
import { createComputeRequest } from '../../src/computeRequests/createComputeRequest.js';
import { approveComputeRequest, rejectComputeRequest } from '../../src/computeRequests/decideComputeRequest.js';
import type { Caller } from '../../src/computeRequests/ports.js';
import { FOLLOW_UP_SECONDS, provisionComputeRequest } from '../../src/computeRequests/provisionComputeRequests.js';
import { runComputeRequestWork } from '../../src/computeRequests/runComputeRequestWork.js';
import { appErrorOf } from '../helpers/appErrors.js';
import { inMemoryWorld, type InMemoryWorld } from '../inMemory/inMemoryWorld.js';
import { WORKSPACE_ID, workspaceResource } from '../inMemory/sampleEvents.js';

const requester: Caller = { id: 'oid-dana', name: 'dana@contoso.com', isApprover: false, kind: 'user' };
const approver: Caller = { id: 'oid-ola', name: 'ola@contoso.com', isApprover: true, kind: 'user' };
const secondApprover: Caller = { id: 'oid-sam', name: 'sam@contoso.com', isApprover: true, kind: 'user' };

/** Runs the provisioning queue's messages, as the queue-triggered function does, until none are left. */
async function runProvisioningQueue(world: InMemoryWorld): Promise<void> {
  for (let step = 0; step < 20; step++) {
    const message = world.queues.provisioningMessages.shift();
    if (message === undefined) return;
    await provisionComputeRequest(world.computeRequests, message.requestId);
  }
  throw new Error('provisioning did not settle in 20 steps');
}

async function filed(world: InMemoryWorld, computeName = 'gpu-train', by: Caller = requester) {
  world.computes.addWorkspace(workspaceResource());
  return createComputeRequest(world.computeRequests, by, {
    workspaceId: WORKSPACE_ID,
    computeName,
    vmSize: 'Standard_DS3_v2',
    maxNodeCount: 2,
    justification: 'Retraining churn on the new features',
  });
}

describe('compute requests on in-memory ports', () => {
  it('a request is filed Pending and the approvers are told', async () => {
    const world = inMemoryWorld();
    const request = await filed(world);
    expect(request).toMatchObject({ status: 'Pending', requestedBy: 'dana@contoso.com', computeName: 'gpu-train' });
    expect(world.notifiers.to('teams').map((message) => message.title)).toHaveLength(1);
  });

  it('the requester cannot approve their own request, even holding the approver role', async () => {
    const world = inMemoryWorld();
    const selfApprover: Caller = { ...requester, isApprover: true };
    const request = await filed(world, 'gpu-train', selfApprover);
    const error = await appErrorOf(approveComputeRequest(world.computeRequests, selfApprover, request.id));
    expect(error.code).toBe('Forbidden');
    expect((await world.computeRequests.store.get(request.id))?.request.status).toBe('Pending');
  });

  it("an application's token cannot decide, whatever roles it holds", async () => {
    const world = inMemoryWorld();
    const request = await filed(world);
    const error = await appErrorOf(approveComputeRequest(world.computeRequests, { ...approver, kind: 'app' }, request.id));
    expect(error.code).toBe('Forbidden');
    expect(error.message).toContain("needs a person's token");
  });

  it('of two approvals racing, one wins and the other is a Conflict; one cluster is created, with the policy settings and the request tag', async () => {
    const world = inMemoryWorld();
    const request = await filed(world);
    const decisions = await Promise.allSettled([
      approveComputeRequest(world.computeRequests, approver, request.id, 'ok'),
      approveComputeRequest(world.computeRequests, secondApprover, request.id, 'fine'),
    ]);
    expect(decisions.filter((decision) => decision.status === 'fulfilled')).toHaveLength(1);
    const lost = decisions.find((decision) => decision.status === 'rejected');
    expect(lost?.status === 'rejected' ? Reflect.get(lost.reason, 'code') : undefined).toBe('Conflict');

    // One approval, one message: the loser queued nothing.
    expect(world.queues.provisioningMessages).toEqual([{ requestId: request.id, delaySeconds: 0 }]);
    await runProvisioningQueue(world);
    expect(world.computes.created).toHaveLength(1);
    const spec = world.computes.created[0]?.spec;
    expect(spec?.tags).toMatchObject({ owner: 'dana@contoso.com', 'aml-warden-request': request.id });
    expect(spec?.properties.properties.scaleSettings).toEqual({ minNodeCount: 0, maxNodeCount: 2, nodeIdleTimeBeforeScaleDown: 'PT30M' });
    expect((await world.computeRequests.store.get(request.id))?.request.status).toBe('Succeeded');
  });

  it('a rejection frees the compute name for a new request', async () => {
    const world = inMemoryWorld();
    const request = await filed(world);
    expect((await appErrorOf(filed(world))).code).toBe('Conflict');
    await rejectComputeRequest(world.computeRequests, approver, request.id, 'use the shared cluster');
    expect((await filed(world)).status).toBe('Pending');
  });

  it('a compute someone creates under the name after the request was filed is left as it is, and the request fails saying so', async () => {
    const world = inMemoryWorld();
    const request = await filed(world);
    await approveComputeRequest(world.computeRequests, approver, request.id);
    world.computes.addForeignCompute(WORKSPACE_ID, 'gpu-train');
    await runProvisioningQueue(world);
    expect(world.computes.created).toEqual([]);
    const stored = (await world.computeRequests.store.get(request.id))?.request;
    expect(stored?.status).toBe('Failed');
    expect(stored?.failureReason).toContain('was taken after the request was filed');
  });

  it("logs Azure's failure reason on one line, whatever it holds", async () => {
    const world = inMemoryWorld();
    const request = await filed(world);
    await approveComputeRequest(world.computeRequests, approver, request.id);
    world.computes.failNextCreate = 'QuotaExceeded\nCompute request ok: Succeeded\u2028forged';
    await runProvisioningQueue(world);

    expect((await world.computeRequests.store.get(request.id))?.request.status).toBe('Failed');
    const line = world.log.lines.find((entry) => entry.text.includes('QuotaExceeded'));
    expect(line?.text).toBe(`Compute request ${request.id}: Failed (QuotaExceeded\\u000aCompute request ok: Succeeded\\u2028forged)`);
    expect(world.log.lines.every((entry) => !/[\n\u2028]/.test(entry.text))).toBe(true);
  });

  it('a creation Azure is still running is looked at again by a delayed message, not by a timer', async () => {
    const world = inMemoryWorld();
    const request = await filed(world);
    await approveComputeRequest(world.computeRequests, approver, request.id);
    const first = world.queues.provisioningMessages.shift();
    expect(await provisionComputeRequest(world.computeRequests, first?.requestId ?? '')).toBe('following');
    expect(world.queues.provisioningMessages).toEqual([{ requestId: request.id, delaySeconds: FOLLOW_UP_SECONDS }]);
    expect((await world.computeRequests.store.get(request.id))?.request.status).toBe('Provisioning');
    await runProvisioningQueue(world);
    expect((await world.computeRequests.store.get(request.id))?.request.status).toBe('Succeeded');
  });

  it('an approval whose message was lost is queued again by the expiry timer once it has stalled', async () => {
    const world = inMemoryWorld();
    const request = await filed(world);
    await approveComputeRequest(world.computeRequests, approver, request.id);
    world.queues.provisioningMessages.length = 0;
    expect(await runComputeRequestWork(world.computeRequests)).toEqual({ expired: 0, resumed: 0 });
    world.clock.advance(16 * 60_000);
    expect(await runComputeRequestWork(world.computeRequests)).toEqual({ expired: 0, resumed: 1 });
    await runProvisioningQueue(world);
    expect((await world.computeRequests.store.get(request.id))?.request.status).toBe('Succeeded');
  });
});
