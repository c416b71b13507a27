import type { ComputeGateway, ExistingCompute, ProvisioningProgress } from '../../src/computeRequests/ports.js';
import type { ComputeSpec } from '../../src/policy/computeRequestRules.js';
import type { WorkspaceResource } from '../../src/policy/resources.js';

const key = (workspaceId: string, computeName: string) => `${workspaceId.toLowerCase()}|${computeName.toLowerCase()}`;

/**
 * Azure ML's computes for compute requests, in memory: a create is refused with a conflict when the name exists
 * (as `If-None-Match: *` asks), and finishes on its next `track` — or fails with the reason a test sets.
 */
export class MemoryComputeGateway implements ComputeGateway {
  readonly created: { readonly workspaceId: string; readonly computeName: string; readonly spec: ComputeSpec }[] = [];
  readonly #workspaces = new Map<string, WorkspaceResource>();
  readonly #computes = new Map<string, { requestId: string | undefined; state: 'creating' | 'succeeded' | 'failed'; reason?: string }>();
  /** Why Azure fails the next create, once it has accepted it. */
  failNextCreate: string | undefined;

  addWorkspace(workspace: WorkspaceResource): void {
    this.#workspaces.set(workspace.id.toLowerCase(), workspace);
  }

  /** A compute someone else made under this name. */
  addForeignCompute(workspaceId: string, computeName: string): void {
    this.#computes.set(key(workspaceId, computeName), { requestId: undefined, state: 'succeeded' });
  }

  async readWorkspace(workspaceId: string): Promise<WorkspaceResource | undefined> {
    return this.#workspaces.get(workspaceId.toLowerCase());
  }

  async findCompute(workspaceId: string, computeName: string): Promise<ExistingCompute | undefined> {
    const compute = this.#computes.get(key(workspaceId, computeName));
    return compute === undefined ? undefined : { requestId: compute.requestId, progress: this.#progress(workspaceId, computeName) };
  }

  async beginCreate(workspace: WorkspaceResource, computeName: string, spec: ComputeSpec): Promise<ProvisioningProgress | { readonly kind: 'conflict'; readonly reason: string }> {
    const name = key(workspace.id, computeName);
    if (this.#computes.has(name)) return { kind: 'conflict', reason: `a compute named ${computeName} already exists` };
    const reason = this.failNextCreate;
    this.failNextCreate = undefined;
    this.#computes.set(name, { requestId: spec.tags['aml-warden-request'], state: 'creating', ...(reason === undefined ? {} : { reason }) });
    this.created.push({ workspaceId: workspace.id, computeName, spec });
    return { kind: 'running', operationState: `operation-${this.created.length}` };
  }

  async track(workspaceId: string, computeName: string): Promise<ProvisioningProgress> {
    const compute = this.#computes.get(key(workspaceId, computeName));
    if (compute !== undefined && compute.state === 'creating') compute.state = compute.reason === undefined ? 'succeeded' : 'failed';
    return this.#progress(workspaceId, computeName);
  }

  #progress(workspaceId: string, computeName: string): ProvisioningProgress {
    const compute = this.#computes.get(key(workspaceId, computeName));
    if (compute === undefined) return { kind: 'failed', reason: 'no such compute' };
    if (compute.state === 'creating') return { kind: 'running', operationState: 'creating' };
    if (compute.state === 'failed') return { kind: 'failed', reason: compute.reason ?? 'failed' };
    return { kind: 'succeeded', computeId: `${workspaceId}/computes/${computeName}` };
  }
}
