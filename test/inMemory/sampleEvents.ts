/** Domain events as the intake hands them to use cases, for the in-memory use-case tests. */
import type { ModelRegisteredEvent, RunStatusChangedEvent, WorkspaceReference } from '../../src/events/domainEvent.js';
import type { ComputeResource, WorkspaceResource } from '../../src/policy/resources.js';

export const SUBSCRIPTION = '11111111-1111-1111-1111-111111111111';
export const RESOURCE_GROUP = 'rg-mlops-demo';
export const WORKSPACE_NAME = 'mlw-demo';
export const WORKSPACE_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.MachineLearningServices/workspaces/${WORKSPACE_NAME}`;
export const workspaceRef: WorkspaceReference = { subscriptionId: SUBSCRIPTION, resourceGroup: RESOURCE_GROUP, workspaceName: WORKSPACE_NAME, id: WORKSPACE_ID };

const envelope = (id: string, type: string, subject: string) => ({
  id,
  type: `Microsoft.MachineLearningServices.${type}`,
  time: '2026-12-04T09:00:00Z',
  subject,
  source: WORKSPACE_ID,
  schema: 'EventGrid' as const,
  workspace: workspaceRef,
});

export function runStatusChanged(id: string, runId: string, options: { readonly status?: string; readonly experimentName?: string } = {}): RunStatusChangedEvent {
  return {
    ...envelope(id, 'RunStatusChanged', `experiments/0000/runs/${runId}`),
    kind: 'RunStatusChanged',
    data: { experimentId: '0000', experimentName: options.experimentName ?? 'train-churn', runId, runType: null, runTags: {}, runProperties: {}, runStatus: options.status ?? 'Failed' },
  };
}

export function modelRegistered(id: string, modelName: string, modelVersion: string): ModelRegisteredEvent {
  return { ...envelope(id, 'ModelRegistered', `models/${modelName}:${modelVersion}`), kind: 'ModelRegistered', data: { modelName, modelVersion, modelTags: {}, modelProperties: {} } };
}

export const workspaceResource = (tags: Readonly<Record<string, string>> = { owner: 'ml-platform@contoso.com', 'cost-center': 'cc-42', environment: 'dev' }): WorkspaceResource => ({
  resourceType: 'workspace',
  id: WORKSPACE_ID,
  name: WORKSPACE_NAME,
  subscriptionId: SUBSCRIPTION,
  resourceGroup: RESOURCE_GROUP,
  workspaceName: WORKSPACE_NAME,
  location: 'westeurope',
  tags,
  lastModifiedAt: undefined,
});

export function cluster(name: string, overrides: Partial<ComputeResource> = {}): ComputeResource {
  return {
    resourceType: 'compute',
    id: `${WORKSPACE_ID}/computes/${name}`,
    name,
    subscriptionId: SUBSCRIPTION,
    resourceGroup: RESOURCE_GROUP,
    workspaceName: WORKSPACE_NAME,
    location: 'westeurope',
    // Tags on a compute are set when it is created, and cannot change later.
    tags: { owner: 'dana@contoso.com', 'cost-center': 'cc-42', environment: 'dev' },
    lastModifiedAt: undefined,
    kind: 'AmlCompute',
    computeType: 'AmlCompute',
    provisioningState: 'Succeeded',
    vmSize: 'Standard_DS3_v2',
    vmPriority: 'Dedicated',
    scaleSettings: { minNodeCount: 0, maxNodeCount: 4, nodeIdleTimeBeforeScaleDown: 'PT30M' },
    currentNodeCount: 0,
    remoteLoginPortPublicAccess: 'Disabled',
    sshPublicAccess: undefined,
    subnetId: undefined,
    idleTimeBeforeShutdown: undefined,
    ...overrides,
  };
}
