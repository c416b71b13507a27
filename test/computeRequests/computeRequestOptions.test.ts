/**
 * What a compute request may ask for, on in-memory ports: the answer follows the workspace's environment and the
 * policy's fallbacks, and it agrees with what `createComputeRequest` accepts and refuses.
 */
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { computeRequestOptions } from '../../src/computeRequests/computeRequestOptions.js';
import type { ComputeRequestOptions } from '../../src/computeRequests/computeRequestSchemas.js';
import { createComputeRequest } from '../../src/computeRequests/createComputeRequest.js';
import type { Caller } from '../../src/computeRequests/ports.js';
import type { WorkspaceResource } from '../../src/policy/resources.js';
import { appErrorOf } from '../helpers/appErrors.js';
import { inMemoryWorld, type InMemoryWorld } from '../inMemory/inMemoryWorld.js';
import { SUBSCRIPTION, WORKSPACE_ID, workspaceResource } from '../inMemory/sampleEvents.js';

const requester: Caller = { id: 'oid-dana', name: 'dana@contoso.com', isApprover: false, kind: 'user' };

const PROD_ID = WORKSPACE_ID.replace('mlw-demo', 'mlw-prod');
const prodWorkspace: WorkspaceResource = {
  ...workspaceResource({ owner: 'ml-platform@contoso.com', 'cost-center': 'cc-42', environment: 'Prod' }),
  id: PROD_ID,
  name: 'mlw-prod',
  workspaceName: 'mlw-prod',
};

/** The playground policy with a `prod` override: fewer sizes, a lower cap, no low priority, a longer idle time and one more tag. */
function withProdOverride(text: string): string {
  const document = parse(text) as { scope: Record<string, unknown> };
  document.scope['overrides'] = {
    prod: {
      scaling: { clusters: { maxIdleTimeBeforeScaleDown: 'PT15M' } },
      computeRequests: { allowedVmSizes: ['Standard_DS3_v2', 'Standard_NC4as_T4_v3'], maxNodeCount: 2, allowLowPriority: false, expiresAfter: 'P2D' },
      requiredTags: [{ name: 'data-classification', allowedValues: ['internal', 'confidential'] }],
    },
  };
  return stringify(document);
}

function worldWith(policy?: (text: string) => string): InMemoryWorld {
  const world = inMemoryWorld(policy === undefined ? {} : { policy });
  world.computes.addWorkspace(workspaceResource());
  world.computes.addWorkspace(prodWorkspace);
  return world;
}

let names = 0;
const file = (world: InMemoryWorld, workspaceId: string, overrides: { vmSize?: string; maxNodeCount?: number; minNodeCount?: number; vmPriority?: 'Dedicated' | 'LowPriority' }) =>
  createComputeRequest(world.computeRequests, requester, {
    workspaceId,
    computeName: `probe-${(names += 1)}`,
    vmSize: overrides.vmSize ?? 'Standard_DS3_v2',
    maxNodeCount: overrides.maxNodeCount ?? 1,
    minNodeCount: overrides.minNodeCount,
    vmPriority: overrides.vmPriority,
    justification: 'Checking the form against the rules',
  });

/** Everything the answer offers is accepted when filed; one step past each limit is refused, naming the rule. */
async function expectCreateAgrees(world: InMemoryWorld, options: ComputeRequestOptions): Promise<void> {
  const workspaceId = options.workspace.id;
  const vmSize = options.vmSize.allowed?.[0] ?? 'Standard_DS3_v2';
  for (const allowedSize of options.vmSize.allowed ?? [vmSize]) {
    for (const vmPriority of options.vmPriority.allowed) {
      const filed = await file(world, workspaceId, { vmSize: allowedSize, vmPriority, maxNodeCount: options.maxNodeCount.maximum, minNodeCount: options.minNodeCount.value });
      expect(filed).toMatchObject({ status: 'Pending', vmSize: allowedSize, vmPriority, maxNodeCount: options.maxNodeCount.maximum, minNodeCount: options.minNodeCount.value });
    }
  }
  expect((await file(world, workspaceId, { vmSize, maxNodeCount: options.maxNodeCount.minimum })).status).toBe('Pending');
  const defaulted = await file(world, workspaceId, { vmSize });
  expect(defaulted.vmPriority).toBe(options.vmPriority.default);

  const refusals = [
    { request: { maxNodeCount: options.maxNodeCount.maximum + 1 }, rule: 'computeRequests.maxNodeCount' },
    { request: { minNodeCount: options.minNodeCount.value + 1 }, rule: 'scaling.clusters.minNodeCount' },
    ...(options.vmSize.allowed === null ? [] : [{ request: { vmSize: 'Standard_M416ms_v2' }, rule: 'computeRequests.allowedVmSizes' }]),
    ...(['Dedicated', 'LowPriority'] as const)
      .filter((vmPriority) => !options.vmPriority.allowed.includes(vmPriority))
      .map((vmPriority) => ({ request: { vmPriority }, rule: 'computeRequests.allowLowPriority' })),
  ];
  for (const { request, rule } of refusals) {
    const error = await appErrorOf(file(world, workspaceId, { vmSize, ...request }));
    expect(error.code, rule).toBe('PolicyViolation');
    expect(error.message.startsWith(`${rule}:`), error.message).toBe(true);
  }
}

describe('what a compute request may ask for', () => {
  it("a workspace without an override gets the policy's base rules, with the tags its cluster inherits", async () => {
    const world = worldWith();
    const options = await computeRequestOptions(world.computeRequests, WORKSPACE_ID);
    expect(options).toEqual({
      workspace: { id: WORKSPACE_ID, name: 'mlw-demo', subscriptionId: SUBSCRIPTION, resourceGroup: 'rg-mlops-demo', location: 'westeurope', environment: 'dev' },
      environmentOverride: null,
      vmSize: { allowed: ['Standard_DS2_v2', 'Standard_DS3_v2', 'Standard_DS4_v2', 'Standard_NC4as_T4_v3'] },
      maxNodeCount: { minimum: 1, maximum: 4 },
      minNodeCount: { value: 0 },
      vmPriority: { allowed: ['Dedicated', 'LowPriority'], default: 'Dedicated' },
      idleTimeBeforeScaleDown: 'PT30M',
      remoteLoginPortPublicAccess: 'Disabled',
      requiredTags: [
        { name: 'owner', allowedValues: null, value: 'ml-platform@contoso.com' },
        { name: 'cost-center', allowedValues: null, value: 'cc-42' },
        { name: 'environment', allowedValues: ['dev', 'test', 'prod'], value: 'dev' },
      ],
      expiresAfter: 'P7D',
    });
    await expectCreateAgrees(world, options);
  });

  it("a workspace tagged for an environment with an override gets that environment's rules (the tag's case aside)", async () => {
    const world = worldWith(withProdOverride);
    const options = await computeRequestOptions(world.computeRequests, PROD_ID);
    expect(options).toMatchObject({
      workspace: { id: PROD_ID, name: 'mlw-prod', environment: 'Prod' },
      environmentOverride: 'prod',
      vmSize: { allowed: ['Standard_DS3_v2', 'Standard_NC4as_T4_v3'] },
      maxNodeCount: { minimum: 1, maximum: 2 },
      vmPriority: { allowed: ['Dedicated'], default: 'Dedicated' },
      idleTimeBeforeScaleDown: 'PT15M',
      expiresAfter: 'P2D',
    });
    // Nothing supplies data-classification: the request cannot carry tags, so the cluster will lack it.
    expect(options.requiredTags).toContainEqual({ name: 'data-classification', allowedValues: ['internal', 'confidential'], value: null });
    await expectCreateAgrees(world, options);

    // The same policy leaves the dev workspace on the base rules.
    expect(await computeRequestOptions(world.computeRequests, WORKSPACE_ID)).toMatchObject({ environmentOverride: null, maxNodeCount: { maximum: 4 } });
  });

  it('computeRequests narrows the cluster rules; where neither caps, the body schema bounds maxNodeCount', async () => {
    const narrowed = worldWith((text) => text.replace('computeRequests:\n  expiresAfter: P7D', 'computeRequests:\n  expiresAfter: P7D\n  allowedVmSizes: [Standard_DS2_v2]\n  maxNodeCount: 3'));
    const narrowedOptions = await computeRequestOptions(narrowed.computeRequests, WORKSPACE_ID);
    expect(narrowedOptions).toMatchObject({ vmSize: { allowed: ['Standard_DS2_v2'] }, maxNodeCount: { maximum: 3 } });
    await expectCreateAgrees(narrowed, narrowedOptions);

    const open = worldWith((text) => text.replace('    maxNodeCount: 4\n', '').replace(/    allowedVmSizes: \[[^\]]*\]\n/, ''));
    const openOptions = await computeRequestOptions(open.computeRequests, WORKSPACE_ID);
    expect(openOptions).toMatchObject({ vmSize: { allowed: null }, maxNodeCount: { minimum: 1, maximum: 1000 } });
    expect((await file(open, WORKSPACE_ID, { vmSize: 'Standard_M416ms_v2', maxNodeCount: 1000 })).status).toBe('Pending');
  });

  it("a tag the workspace lacks takes the policy's default, else has no value", async () => {
    const world = inMemoryWorld({ policy: (text) => text.replace('  - name: cost-center\n    inheritFrom: [workspace, resourceGroup]', '  - name: cost-center\n    inheritFrom: [workspace, resourceGroup]\n    default: cc-shared') });
    world.computes.addWorkspace(workspaceResource({ environment: 'test' }));
    const options = await computeRequestOptions(world.computeRequests, WORKSPACE_ID);
    expect(options.requiredTags).toEqual([
      { name: 'owner', allowedValues: null, value: null },
      { name: 'cost-center', allowedValues: null, value: 'cc-shared' },
      { name: 'environment', allowedValues: ['dev', 'test', 'prod'], value: 'test' },
    ]);
  });

  it('an unknown workspace is NotFound, one outside the scope a PolicyViolation, and a compute id a BadRequest, each naming query.workspaceId', async () => {
    const world = worldWith();
    const missing = await appErrorOf(computeRequestOptions(world.computeRequests, WORKSPACE_ID.replace('mlw-demo', 'mlw-missing')));
    expect(missing).toMatchObject({ code: 'NotFound', target: 'query.workspaceId' });
    expect(missing.message).toContain('mlw-missing');

    const outside = await appErrorOf(computeRequestOptions(world.computeRequests, WORKSPACE_ID.replace(SUBSCRIPTION, '22222222-2222-2222-2222-222222222222')));
    expect(outside).toMatchObject({ code: 'PolicyViolation', target: 'query.workspaceId' });
    expect(outside.message).toMatch(/^scope: /);

    const compute = await appErrorOf(computeRequestOptions(world.computeRequests, `${WORKSPACE_ID}/computes/cpu-cluster`));
    expect(compute).toMatchObject({ code: 'BadRequest', target: 'query.workspaceId' });
  });
});
