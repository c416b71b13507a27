import { workspaceProperties } from './arm/workspaces.js';
import { seedOnlineEndpoints } from './onlineEndpointSeed.js';
import { seedComputeInstance } from './computeInstanceSeed.js';
import { seedServerlessJob } from './jobSeed.js';
import { computeTypeDefaults } from './arm/computeShape.js';
import {
  COMPUTE_TYPE,
  RESOURCE_GROUP_TYPE,
  WORKSPACE_TYPE,
  computeId,
  resourceGroupId,
  workspaceId,
  type ArmResource,
  type EmulatorState,
} from './state.js';

/** The playground's documented defaults (README, scripts and users rely on them). */
export const PLAYGROUND = {
  subscriptionId: '11111111-1111-1111-1111-111111111111',
  resourceGroup: 'rg-mlops-demo',
  workspace: 'mlw-demo',
  location: 'eastus',
  workspaceTags: { owner: 'mlops-team@contoso.com', 'cost-center': 'cc-1234', environment: 'dev' },
  compliantCluster: 'cpu-cluster',
  nonCompliantCluster: 'gpu-cluster',
} as const;

const SEEDED_BY = 'aml-warden-emulator-seed';

export type SeedName = 'playground' | 'empty';

export function seed(state: EmulatorState, name: SeedName, now: Date): void {
  if (name === 'playground') seedPlayground(state, now);
}

/**
 * One subscription, resource group and workspace holding a compliant cluster (scales to zero, idles
 * down within PT30M, allowed size, capped, SSH off, tagged) and a non-compliant one, an online endpoint with a
 * deployment over its cap and a failed one, a compute instance with no stop schedule, and a running serverless job on
 * a disallowed instance type. No models: tests and users register those through the ARM API.
 */
export function seedPlayground(state: EmulatorState, now: Date): void {
  const { subscriptionId, resourceGroup, workspace, location } = PLAYGROUND;
  putResourceGroup(state, subscriptionId, resourceGroup, location, now);
  putWorkspace(state, subscriptionId, resourceGroup, workspace, location, { ...PLAYGROUND.workspaceTags }, now);
  putCluster(state, computeId(subscriptionId, resourceGroup, workspace, PLAYGROUND.compliantCluster), location, { ...PLAYGROUND.workspaceTags }, {
    vmSize: 'Standard_DS3_v2',
    vmPriority: 'Dedicated',
    scaleSettings: { minNodeCount: 0, maxNodeCount: 4, nodeIdleTimeBeforeScaleDown: 'PT30M' },
    remoteLoginPortPublicAccess: 'Disabled',
    enableNodePublicIp: false,
  }, now);
  putCluster(state, computeId(subscriptionId, resourceGroup, workspace, PLAYGROUND.nonCompliantCluster), location, {}, {
    vmSize: 'Standard_NC24',
    vmPriority: 'Dedicated',
    scaleSettings: { minNodeCount: 1, maxNodeCount: 20, nodeIdleTimeBeforeScaleDown: 'PT2H' },
    remoteLoginPortPublicAccess: 'Enabled',
    enableNodePublicIp: true,
  }, now);
  seedOnlineEndpoints(state, subscriptionId, resourceGroup, workspace, location, PLAYGROUND.workspaceTags.owner, now);
  seedComputeInstance(state, subscriptionId, resourceGroup, workspace, location, PLAYGROUND.workspaceTags, now);
  seedServerlessJob(state, subscriptionId, resourceGroup, workspace, PLAYGROUND.workspaceTags.owner, now);
}

export interface BulkSeedOptions {
  readonly workspaces: number;
  readonly computesPerWorkspace: number;
  readonly subscriptions?: number;
}

export interface BulkSeedResult {
  readonly subscriptions: string[];
  readonly workspaces: number;
  readonly computes: number;
}

const WORKSPACES_PER_GROUP = 50;

/**
 * Many workspaces and clusters for benchmarks, spread round-robin over `subscriptions` subscriptions;
 * every other cluster breaks the scaling policy. Names are deterministic, so seeding twice overwrites.
 */
export function seedBulk(state: EmulatorState, options: BulkSeedOptions, now: Date): BulkSeedResult {
  const subscriptionCount = Math.max(1, options.subscriptions ?? 1);
  const subscriptions = Array.from({ length: subscriptionCount }, (_, i) => bulkSubscriptionId(i + 1));
  const location = 'eastus';
  let computes = 0;
  for (let w = 0; w < options.workspaces; w++) {
    const subscriptionId = subscriptions[w % subscriptionCount] as string;
    const indexInSubscription = Math.floor(w / subscriptionCount);
    const group = `rg-bench-${String(Math.floor(indexInSubscription / WORKSPACES_PER_GROUP) + 1).padStart(3, '0')}`;
    if (!state.get(resourceGroupId(subscriptionId, group))) putResourceGroup(state, subscriptionId, group, location, now);
    const workspace = `mlw-bench-${String(w + 1).padStart(4, '0')}`;
    putWorkspace(state, subscriptionId, group, workspace, location, { owner: `team-${w % 7}@contoso.com`, 'cost-center': `cc-${1000 + (w % 13)}`, environment: 'dev' }, now);
    for (let c = 0; c < options.computesPerWorkspace; c++) {
      const compliant = c % 2 === 0;
      putCluster(
        state,
        computeId(subscriptionId, group, workspace, `cluster-${String(c + 1).padStart(2, '0')}`),
        location,
        compliant ? { owner: `team-${w % 7}@contoso.com`, 'cost-center': `cc-${1000 + (w % 13)}`, environment: 'dev' } : {},
        compliant
          ? { vmSize: 'Standard_DS3_v2', scaleSettings: { minNodeCount: 0, maxNodeCount: 4, nodeIdleTimeBeforeScaleDown: 'PT15M' }, remoteLoginPortPublicAccess: 'Disabled' }
          : { vmSize: 'Standard_NC24', scaleSettings: { minNodeCount: 1, maxNodeCount: 20, nodeIdleTimeBeforeScaleDown: 'PT2H' }, remoteLoginPortPublicAccess: 'Enabled' },
        now,
      );
      computes += 1;
    }
  }
  return { subscriptions, workspaces: options.workspaces, computes };
}

export function bulkSubscriptionId(index: number): string {
  return `b0000000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;
}

function systemData(now: Date) {
  const at = now.toISOString();
  return { createdAt: at, createdBy: SEEDED_BY, createdByType: 'Application', lastModifiedAt: at, lastModifiedBy: SEEDED_BY, lastModifiedByType: 'Application' } as const;
}

function putResourceGroup(state: EmulatorState, subscriptionId: string, name: string, location: string, now: Date): void {
  state.put({ id: resourceGroupId(subscriptionId, name), name, type: RESOURCE_GROUP_TYPE, location, tags: {}, properties: { provisioningState: 'Succeeded' }, extra: {}, systemData: systemData(now) });
}

function putWorkspace(state: EmulatorState, subscriptionId: string, group: string, name: string, location: string, tags: Record<string, string>, now: Date): void {
  const id = workspaceId(subscriptionId, group, name);
  const groupId = resourceGroupId(subscriptionId, group);
  state.put({
    id,
    name,
    type: WORKSPACE_TYPE,
    location,
    tags,
    extra: { identity: { type: 'SystemAssigned', principalId: '00000000-0000-0000-0000-000000000000', tenantId: '00000000-0000-0000-0000-000000000000' }, sku: { name: 'Basic', tier: 'Basic' } },
    properties: workspaceProperties(id, name, {
      friendlyName: name,
      storageAccount: `${groupId}/providers/Microsoft.Storage/storageAccounts/st${name.replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 20)}`,
      keyVault: `${groupId}/providers/Microsoft.KeyVault/vaults/kv-${name}`.slice(0, 200),
      applicationInsights: `${groupId}/providers/microsoft.insights/components/appi-${name}`,
      discoveryUrl: `https://${location}.api.azureml.ms/discovery`,
    }),
    systemData: systemData(now),
  });
}

function putCluster(state: EmulatorState, id: string, location: string, tags: Record<string, string>, typeProperties: Record<string, unknown>, now: Date): ArmResource {
  const name = id.slice(id.lastIndexOf('/') + 1);
  return state.put({
    id,
    name,
    type: COMPUTE_TYPE,
    location,
    tags,
    extra: {},
    properties: {
      computeType: 'AmlCompute',
      computeLocation: location,
      description: `${name} (seeded)`,
      provisioningState: 'Succeeded',
      createdOn: now.toISOString(),
      modifiedOn: now.toISOString(),
      provisioningErrors: null,
      isAttachedCompute: false,
      disableLocalAuth: false,
      properties: computeTypeDefaults('AmlCompute', { osType: 'Linux', ...typeProperties }),
    },
    systemData: systemData(now),
  });
}
