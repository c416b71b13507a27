/** Real inputs for the policy tests: the shipped policy files, the ARM fixtures, and the playground's resources. */
import { readFileSync } from 'node:fs';
import { parsePolicy, parsePolicyYaml, type Policy } from '../../src/policy/document.js';
import { parseCompute, parseWorkspace, type ComputeResource, type WorkspaceResource } from '../../src/policy/resources.js';
import { publishedFixtureUrl } from '../helpers/publishedFixtures.js';

const projectRoot = new URL('../../', import.meta.url);
const armFixtures = publishedFixtureUrl('arm/');

export function readProjectFile(path: string): string {
  return readFileSync(new URL(path, projectRoot), 'utf8');
}

export function loadPolicyFile(path: 'policy/default.yaml' | 'policy/playground.yaml'): Policy {
  return parsePolicyYaml(readProjectFile(path), path);
}

/** A policy from a partial document (everything else defaulted), in scope for the playground subscription. */
export function policyWith(document: Record<string, unknown>): Policy {
  const scope = (document['scope'] as Record<string, unknown> | undefined) ?? {};
  return parsePolicy({ ...document, scope: { subscriptions: [playground.subscriptionId], ...scope } }, 'test-policy');
}

interface ArmExample {
  parameters: Record<string, unknown>;
  responses: Record<string, { body: unknown }>;
}

export function armExample(path: string): ArmExample {
  return JSON.parse(readFileSync(new URL(path, armFixtures), 'utf8')) as ArmExample;
}

/** The body of one response of an ARM example, e.g. `armResponse('2022-10-01/Compute/get/AmlCompute.json', '200')`. */
export function armResponse(path: string, status = '200'): unknown {
  const response = armExample(path).responses[status];
  if (!response) throw new Error(`${path} has no ${status} response`);
  return response.body;
}

export const playground = {
  subscriptionId: '11111111-1111-1111-1111-111111111111',
  resourceGroup: 'rg-mlops-demo',
  workspaceName: 'mlw-demo',
  workspaceTags: { owner: 'mlops-team@contoso.com', 'cost-center': 'cc-1234', environment: 'dev' },
} as const;

const workspaceId = `/subscriptions/${playground.subscriptionId}/resourceGroups/${playground.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${playground.workspaceName}`;

/** The playground workspace, built from the Workspace GET fixture with the playground's id and tags. */
export function playgroundWorkspace(tags: Record<string, string> = playground.workspaceTags): WorkspaceResource {
  const body = structuredClone(armResponse('2022-10-01/Workspace/get.json')) as Record<string, unknown>;
  return parseWorkspace({ ...body, id: workspaceId, name: playground.workspaceName, location: 'eastus', tags });
}

export interface ClusterShape {
  name: string;
  vmSize: string;
  vmPriority?: string;
  minNodeCount: number;
  maxNodeCount: number;
  idle: string;
  ssh: string;
  tags?: Record<string, string>;
  provisioningState?: string;
}

/** An AmlCompute GET body from the fixture, reshaped into one of the playground's clusters. */
export function clusterBody(shape: ClusterShape): Record<string, unknown> {
  const body = structuredClone(armResponse('2022-10-01/Compute/get/AmlCompute.json')) as {
    properties: { provisioningState: string; properties: Record<string, unknown> };
  } & Record<string, unknown>;
  body.properties.provisioningState = shape.provisioningState ?? 'Succeeded';
  Object.assign(body.properties.properties, {
    vmSize: shape.vmSize,
    vmPriority: shape.vmPriority ?? 'Dedicated',
    scaleSettings: { minNodeCount: shape.minNodeCount, maxNodeCount: shape.maxNodeCount, nodeIdleTimeBeforeScaleDown: shape.idle },
    remoteLoginPortPublicAccess: shape.ssh,
  });
  return { ...body, id: `${workspaceId}/computes/${shape.name}`, name: shape.name, location: 'eastus', ...(shape.tags ? { tags: shape.tags } : {}) };
}

export function cluster(shape: ClusterShape): ComputeResource {
  return parseCompute(clusterBody(shape));
}

/** `cpu-cluster`: compliant with the playground policy. */
export function cpuCluster(changes: Partial<ClusterShape> = {}): ComputeResource {
  return cluster({
    name: 'cpu-cluster',
    vmSize: 'Standard_DS3_v2',
    minNodeCount: 0,
    maxNodeCount: 4,
    idle: 'PT30M',
    ssh: 'Disabled',
    tags: { ...playground.workspaceTags },
    ...changes,
  });
}

/** `gpu-cluster`: breaks every scaling rule of the playground policy and has no tags. */
export function gpuCluster(changes: Partial<ClusterShape> = {}): ComputeResource {
  return cluster({
    name: 'gpu-cluster',
    vmSize: 'Standard_NC24',
    minNodeCount: 1,
    maxNodeCount: 20,
    idle: 'PT2H',
    ssh: 'Enabled',
    ...changes,
  });
}

export const now = new Date('2025-06-15T12:00:00Z');
