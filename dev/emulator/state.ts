/**
 * The emulator's in-memory Azure: every resource is an ARM resource keyed by its id (case-insensitive,
 * as ARM is), with a parent index so listing a workspace's computes or a subscription's workspaces does
 * not scan the whole store — the sweep benchmark seeds 10,000 computes.
 */

export interface SystemData {
  createdAt: string;
  createdBy: string;
  createdByType: 'User' | 'Application' | 'ManagedIdentity' | 'Key';
  lastModifiedAt: string;
  lastModifiedBy: string;
  lastModifiedByType: 'User' | 'Application' | 'ManagedIdentity' | 'Key';
}

export interface ArmResource {
  id: string;
  name: string;
  /** `Microsoft.MachineLearningServices/workspaces/computes`, as ARM spells it. */
  type: string;
  location?: string;
  tags: Record<string, string>;
  properties: Record<string, unknown>;
  /** Other top-level fields sent by the caller (identity, sku, kind...), returned as stored. */
  extra: Record<string, unknown>;
  systemData?: SystemData;
}

export const RESOURCE_GROUP_TYPE = 'Microsoft.Resources/resourceGroups';
export const WORKSPACE_TYPE = 'Microsoft.MachineLearningServices/workspaces';
export const COMPUTE_TYPE = 'Microsoft.MachineLearningServices/workspaces/computes';
export const MODEL_CONTAINER_TYPE = 'Microsoft.MachineLearningServices/workspaces/models';
export const MODEL_VERSION_TYPE = 'Microsoft.MachineLearningServices/workspaces/models/versions';
export const JOB_TYPE = 'Microsoft.MachineLearningServices/workspaces/jobs';

/** A long-running ARM operation (compute create/update/delete), completed by the client's polls or by time. */
export interface AsyncOperation {
  readonly id: string;
  readonly resourceId: string;
  readonly action: 'write' | 'delete';
  readonly startTime: string;
  /** Polls still to answer `InProgress` before the operation reaches its outcome. */
  pollsRemaining: number;
  readonly failure?: { code: string; message: string };
  /**
   * An update's scale settings, applied when it succeeds (Compute_Update is long-running: the compute is
   * `Updating` until then). Absent for creates and deletes, and when a fault accepted the write but applies nothing.
   */
  readonly scaleSettings?: Record<string, unknown>;
  /** The token claims of the caller that started it, for the event its completion publishes. */
  readonly callerClaims: Record<string, unknown>;
  status: 'InProgress' | 'Succeeded' | 'Failed';
  endTime?: string;
}

const key = (id: string): string => id.toLowerCase();

export class EmulatorState {
  readonly #resources = new Map<string, ArmResource>();
  /** parent id (lower case) → child id (lower case) → resource; insertion order is list order. */
  readonly #children = new Map<string, Map<string, ArmResource>>();
  /** resource type (lower case) → id (lower case) → resource; Resource Graph scans by type. */
  readonly #byType = new Map<string, Map<string, ArmResource>>();
  readonly #subscriptions = new Map<string, string>();
  readonly operations = new Map<string, AsyncOperation>();

  get(id: string): ArmResource | undefined {
    return this.#resources.get(key(id));
  }

  put(resource: ArmResource): ArmResource {
    const id = key(resource.id);
    const existing = this.#resources.get(id);
    this.#resources.set(id, resource);
    const parent = parentIdOf(resource.id);
    if (parent !== undefined) indexInto(this.#children, key(parent), id, resource);
    indexInto(this.#byType, resource.type.toLowerCase(), id, resource);
    if (!existing) {
      const subscriptionId = parseResourceId(resource.id)?.subscriptionId;
      if (subscriptionId && !this.#subscriptions.has(key(subscriptionId))) this.#subscriptions.set(key(subscriptionId), subscriptionId);
    }
    return resource;
  }

  /** Removes a resource and everything under it. */
  delete(id: string): boolean {
    const existing = this.#resources.get(key(id));
    if (!existing) return false;
    for (const child of [...this.children(existing.id)]) this.delete(child.id);
    this.#resources.delete(key(id));
    const parent = parentIdOf(existing.id);
    if (parent !== undefined) this.#children.get(key(parent))?.delete(key(id));
    this.#byType.get(existing.type.toLowerCase())?.delete(key(id));
    this.#children.delete(key(id));
    return true;
  }

  children(parentId: string, type?: string): ArmResource[] {
    const all = [...(this.#children.get(key(parentId))?.values() ?? [])];
    return type === undefined ? all : all.filter((r) => r.type.toLowerCase() === type.toLowerCase());
  }

  ofType(type: string): IterableIterator<ArmResource> {
    return (this.#byType.get(type.toLowerCase()) ?? new Map<string, ArmResource>()).values();
  }

  countOfType(type: string): number {
    return this.#byType.get(type.toLowerCase())?.size ?? 0;
  }

  hasSubscription(subscriptionId: string): boolean {
    return this.#subscriptions.has(key(subscriptionId));
  }

  subscriptions(): string[] {
    return [...this.#subscriptions.values()];
  }

  /** Workspaces of a subscription, resource group by resource group. */
  workspacesOfSubscription(subscriptionId: string): ArmResource[] {
    return this.children(`/subscriptions/${subscriptionId}`, RESOURCE_GROUP_TYPE).flatMap((group) =>
      this.children(group.id, WORKSPACE_TYPE),
    );
  }

  clear(): void {
    this.#resources.clear();
    this.#children.clear();
    this.#byType.clear();
    this.#subscriptions.clear();
    this.operations.clear();
  }

  summary(): { subscriptions: number; resourceGroups: number; workspaces: number; computes: number; models: number; modelVersions: number; jobs: number; operations: number } {
    return {
      subscriptions: this.#subscriptions.size,
      resourceGroups: this.countOfType(RESOURCE_GROUP_TYPE),
      workspaces: this.countOfType(WORKSPACE_TYPE),
      computes: this.countOfType(COMPUTE_TYPE),
      models: this.countOfType(MODEL_CONTAINER_TYPE),
      modelVersions: this.countOfType(MODEL_VERSION_TYPE),
      jobs: this.countOfType(JOB_TYPE),
      operations: this.operations.size,
    };
  }
}

function indexInto(index: Map<string, Map<string, ArmResource>>, outer: string, inner: string, resource: ArmResource): void {
  let bucket = index.get(outer);
  if (!bucket) {
    bucket = new Map();
    index.set(outer, bucket);
  }
  bucket.set(inner, resource);
}

export interface ParsedResourceId {
  readonly subscriptionId: string;
  readonly resourceGroup?: string;
  readonly provider?: string;
  /** Type segments after the provider, e.g. `['workspaces', 'computes']`. */
  readonly types: readonly string[];
  readonly names: readonly string[];
}

export function parseResourceId(id: string): ParsedResourceId | undefined {
  const parts = id.split('/').filter((p) => p.length > 0);
  if (parts[0]?.toLowerCase() !== 'subscriptions' || parts[1] === undefined) return undefined;
  const subscriptionId = parts[1];
  if (parts.length === 2) return { subscriptionId, types: [], names: [] };
  if (parts[2]?.toLowerCase() !== 'resourcegroups' || parts[3] === undefined) return undefined;
  const resourceGroup = parts[3];
  if (parts.length === 4) return { subscriptionId, resourceGroup, types: [], names: [] };
  if (parts[4]?.toLowerCase() !== 'providers' || parts[5] === undefined) return undefined;
  const rest = parts.slice(6);
  if (rest.length === 0 || rest.length % 2 !== 0) return undefined;
  const types: string[] = [];
  const names: string[] = [];
  for (let i = 0; i < rest.length; i += 2) {
    types.push(rest[i] as string);
    names.push(rest[i + 1] as string);
  }
  return { subscriptionId, resourceGroup, provider: parts[5], types, names };
}

/** The id of the resource that holds this one: compute → workspace → resource group → subscription. */
export function parentIdOf(id: string): string | undefined {
  const parts = id.split('/').filter((p) => p.length > 0);
  if (parts.length <= 2) return undefined;
  let cut = parts.length - 2;
  if (parts[cut - 2]?.toLowerCase() === 'providers') cut -= 2;
  return `/${parts.slice(0, cut).join('/')}`;
}

export function resourceGroupId(subscriptionId: string, resourceGroup: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`;
}

export function workspaceId(subscriptionId: string, resourceGroup: string, workspace: string): string {
  return `${resourceGroupId(subscriptionId, resourceGroup)}/providers/Microsoft.MachineLearningServices/workspaces/${workspace}`;
}

export function computeId(subscriptionId: string, resourceGroup: string, workspace: string, compute: string): string {
  return `${workspaceId(subscriptionId, resourceGroup, workspace)}/computes/${compute}`;
}
