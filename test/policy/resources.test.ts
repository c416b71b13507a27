import { describe, expect, test } from 'vitest';
import { AppError } from '../../src/errors.js';
import { parseArmResourceId, parseCompute, parseGovernedResource, parseWorkspace } from '../../src/policy/resources.js';
import { armExample, armResponse } from './policyTestKit.js';

describe('ARM resource ids', () => {
  test('a compute id yields subscription, resource group, workspace and compute; casing of segments does not matter', () => {
    expect(
      parseArmResourceId(
        '/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourcegroups/testrg123/providers/microsoft.machinelearningservices/workspaces/workspaces123/computes/compute123',
      ),
    ).toEqual({ subscriptionId: '34adfa4f-cedf-4dc0-ba29-b6d1a69ab345', resourceGroup: 'testrg123', workspaceName: 'workspaces123', computeName: 'compute123' });
  });

  test('other resource types are not Azure ML resources', () => {
    expect(parseArmResourceId('/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet')).toBeUndefined();
  });
});

describe('parsing ARM bodies', () => {
  test('an AmlCompute GET body gives scale settings, VM, SSH and subnet', () => {
    const compute = parseCompute(armResponse('2022-10-01/Compute/get/AmlCompute.json'));
    expect(compute).toEqual({
      resourceType: 'compute',
      id: '/subscriptions/34adfa4f-cedf-4dc0-ba29-b6d1a69ab345/resourceGroups/testrg123/providers/Microsoft.MachineLearningServices/workspaces/workspaces123/computes/compute123',
      name: 'compute123',
      subscriptionId: '34adfa4f-cedf-4dc0-ba29-b6d1a69ab345',
      resourceGroup: 'testrg123',
      workspaceName: 'workspaces123',
      location: 'eastus2',
      tags: {},
      kind: 'AmlCompute',
      computeType: 'AmlCompute',
      provisioningState: 'Succeeded',
      vmSize: 'STANDARD_NC6',
      vmPriority: 'Dedicated',
      scaleSettings: { minNodeCount: 0, maxNodeCount: 1, nodeIdleTimeBeforeScaleDown: 'PT5M' },
      currentNodeCount: 0,
      remoteLoginPortPublicAccess: 'Enabled',
      sshPublicAccess: undefined,
      subnetId: 'test-subnet-resource-id',
      idleTimeBeforeShutdown: undefined,
    });
  });

  test('a ComputeInstance GET body gives its SSH setting and no scale settings', () => {
    const compute = parseCompute(armResponse('2022-10-01/Compute/get/ComputeInstance.json'));
    expect(compute).toMatchObject({ kind: 'ComputeInstance', vmSize: 'STANDARD_NC6', sshPublicAccess: 'Enabled', scaleSettings: undefined });
  });

  test('list items of other compute types (AKS) parse as Other, with only the envelope', () => {
    const list = armResponse('2022-10-01/Compute/list.json') as { value: unknown[] };
    const computes = list.value.map(parseCompute);
    expect(computes.map((compute) => [compute.name, compute.kind, compute.computeType])).toEqual([
      ['compute123', 'Other', 'AKS'],
      ['compute1234', 'Other', 'AKS'],
    ]);
  });

  test('a createOrUpdate 201 body (no inner properties yet) parses', () => {
    const compute = parseCompute(armResponse('2023-04-01/Compute/createOrUpdate/BasicAmlCompute.json', '201'));
    expect(compute).toMatchObject({ kind: 'AmlCompute', provisioningState: 'Creating', vmSize: undefined, scaleSettings: undefined });
  });

  test('workspaces from GET and from a subscription listing parse', () => {
    const workspace = parseWorkspace(armResponse('2022-10-01/Workspace/get.json'));
    expect(workspace).toEqual({
      resourceType: 'workspace',
      id: '/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/workspace-1234/providers/Microsoft.MachineLearningServices/workspaces/testworkspace',
      name: 'testworkspace',
      subscriptionId: '00000000-1111-2222-3333-444444444444',
      resourceGroup: 'workspace-1234',
      workspaceName: 'testworkspace',
      location: 'eastus2euap',
      tags: {},
    });
    const listed = (armResponse('2022-10-01/Workspace/listBySubscription.json') as { value: unknown[] }).value.map(parseWorkspace);
    expect(listed.map((w) => w.resourceGroup)).toEqual(['workspace-1234', 'workspace-5678']);
  });

  test('tags that are null or numbers are tolerated; null tag values are dropped', () => {
    const body = { ...(armResponse('2022-10-01/Workspace/get.json') as object), tags: { owner: 'a@contoso.com', budget: 100, gone: null } };
    expect(parseWorkspace(body).tags).toEqual({ owner: 'a@contoso.com', budget: '100' });
    expect(parseWorkspace({ ...(armResponse('2022-10-01/Workspace/get.json') as object), tags: null }).tags).toEqual({});
  });

  test('the request body of a createOrUpdate example is not a resource (no id): a permanent upstream error naming the field', () => {
    const request = (armExample('2022-10-01/Compute/createOrUpdate/AmlCompute.json').parameters['parameters']) as unknown;
    let error: unknown;
    try {
      parseCompute(request);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('UpstreamPermanent');
    expect((error as AppError).target).toBe('id');
  });

  test('a workspace body is refused as a compute and the other way round', () => {
    expect(() => parseCompute(armResponse('2022-10-01/Workspace/get.json'))).toThrow(/unexpected compute shape at properties.computeType/);
    const computeUnderWorkspaceId = { ...(armResponse('2022-10-01/Compute/get/AmlCompute.json') as object), id: (armResponse('2022-10-01/Workspace/get.json') as { id: string }).id };
    expect(() => parseCompute(computeUnderWorkspaceId)).toThrow(/not an Azure ML compute resource id/);
    expect(() => parseWorkspace(armResponse('2022-10-01/Compute/get/AmlCompute.json'))).toThrow(/not an Azure ML workspace resource id/);
  });

  test('a governed resource is told apart by its id', () => {
    expect(parseGovernedResource(armResponse('2022-10-01/Workspace/get.json')).resourceType).toBe('workspace');
    expect(parseGovernedResource(armResponse('2022-10-01/Compute/get/AmlCompute.json')).resourceType).toBe('compute');
  });
});
