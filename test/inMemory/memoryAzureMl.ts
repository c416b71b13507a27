/**
 * Azure ML as the event use cases read it, in memory: model versions, jobs and workspaces (`ModelRegistry`,
 * `RunRecords`), and the workspaces and computes governance reads and writes (`GovernedResources`). Every read is
 * counted, so a test can say that an event cost no ARM read.
 */
import { AppError } from '../../src/errors.js';
import type { WorkspaceReference } from '../../src/events/domainEvent.js';
import type { AppliedChange, ApplyOptions, GovernedResources, PatchedFields, WorkspaceLocation } from '../../src/governance/ports.js';
import type { ModelRegistry, ModelVersionRecord, ProducingJob } from '../../src/modelCd/ports.js';
import type { Patch } from '../../src/policy/findings.js';
import type { ComputeResource, GovernedResource, WorkspaceResource } from '../../src/policy/resources.js';
import type { RunRecord, RunRecords } from '../../src/runNotifications/ports.js';

const key = (...parts: string[]) => parts.map((part) => part.toLowerCase()).join('|');

export class MemoryAzureMl implements ModelRegistry, RunRecords, GovernedResources {
  readonly reads: string[] = [];
  readonly writes: { readonly resourceId: string; readonly patch: Patch }[] = [];
  readonly #workspaces = new Map<string, WorkspaceResource>();
  readonly #computes = new Map<string, ComputeResource>();
  readonly #models = new Map<string, ModelVersionRecord>();
  readonly #jobs = new Map<string, RunRecord & ProducingJob>();
  readonly #busyComputes = new Set<string>();
  /** What the next `apply` does instead of writing: Azure ignores the write, or answers 409. */
  nextApply: 'ignore' | 'conflict' | undefined;

  addWorkspace(workspace: WorkspaceResource): void {
    this.#workspaces.set(key(workspace.id), workspace);
  }

  addCompute(compute: ComputeResource, options: { readonly unfinishedJobs?: boolean } = {}): void {
    this.#computes.set(key(compute.id), compute);
    if (options.unfinishedJobs === true) this.#busyComputes.add(key(compute.id));
  }

  addModelVersion(workspace: WorkspaceReference, model: ModelVersionRecord): void {
    this.#models.set(key(workspace.id, model.name, model.version), model);
  }

  addJob(workspace: WorkspaceReference, job: Partial<RunRecord> & { readonly name: string }): void {
    this.#jobs.set(key(workspace.id, job.name), {
      displayName: undefined,
      jobType: 'Command',
      experimentName: undefined,
      status: 'Completed',
      tags: {},
      parentJobName: undefined,
      studioEndpoint: undefined,
      errorText: undefined,
      createdBy: undefined,
      ...job,
    });
  }

  compute(id: string): ComputeResource | undefined {
    return this.#computes.get(key(id));
  }

  // ── ModelRegistry and RunRecords ──

  async modelVersion(workspace: WorkspaceReference, name: string, version: string): Promise<ModelVersionRecord | undefined> {
    this.reads.push(`model ${name}:${version}`);
    return this.#models.get(key(workspace.id, name, version));
  }

  async job(workspace: WorkspaceReference, name: string): Promise<(RunRecord & ProducingJob) | undefined> {
    this.reads.push(`job ${name}`);
    return this.#jobs.get(key(workspace.id, name));
  }

  async workspaceExists(workspace: WorkspaceReference): Promise<boolean> {
    this.reads.push(`workspace ${workspace.workspaceName}`);
    return this.#workspaces.has(key(workspace.id));
  }

  async workspaceTags(workspace: WorkspaceReference): Promise<Readonly<Record<string, string>> | undefined> {
    this.reads.push(`workspace tags ${workspace.workspaceName}`);
    return this.#workspaces.get(key(workspace.id))?.tags;
  }

  // ── GovernedResources ──

  async readWorkspace(location: WorkspaceLocation): Promise<WorkspaceResource> {
    this.reads.push(`workspace ${location.workspaceName}`);
    const found = [...this.#workspaces.values()].find((workspace) => key(workspace.subscriptionId, workspace.resourceGroup, workspace.name) === key(location.subscriptionId, location.resourceGroup, location.workspaceName));
    if (found === undefined) throw new AppError('NotFound', `workspace ${location.workspaceName} was not found`, { module: 'arm' });
    return found;
  }

  async readCompute(location: WorkspaceLocation, computeName: string): Promise<ComputeResource> {
    this.reads.push(`compute ${computeName}`);
    const found = [...this.#computes.values()].find((compute) => key(compute.subscriptionId, compute.resourceGroup, compute.workspaceName, compute.name) === key(location.subscriptionId, location.resourceGroup, location.workspaceName, computeName));
    if (found === undefined) throw new AppError('NotFound', `compute ${computeName} was not found`, { module: 'arm' });
    return found;
  }

  async listComputes(location: WorkspaceLocation): Promise<ComputeResource[]> {
    this.reads.push(`computes of ${location.workspaceName}`);
    return [...this.#computes.values()].filter((compute) => key(compute.subscriptionId, compute.resourceGroup, compute.workspaceName) === key(location.subscriptionId, location.resourceGroup, location.workspaceName));
  }

  async readResourceGroupTags(): Promise<Readonly<Record<string, string>>> {
    this.reads.push('resource group tags');
    return {};
  }

  async hasUnfinishedJobs(compute: ComputeResource): Promise<boolean> {
    this.reads.push(`jobs on ${compute.name}`);
    return this.#busyComputes.has(key(compute.id));
  }

  /** Applies scale settings and idle shutdown to a compute as Azure does (tags on a compute never change after creation). */
  async apply(resource: GovernedResource, patch: Patch, _options: ApplyOptions): Promise<AppliedChange | undefined> {
    const behaviour = this.nextApply;
    this.nextApply = undefined;
    if (behaviour === 'conflict') throw new AppError('Conflict', `${resource.name} changed since it was read`, { module: 'arm' });
    this.writes.push({ resourceId: resource.id, patch });
    const current = resource.resourceType === 'compute' ? this.#computes.get(key(resource.id)) : undefined;
    const before = fieldsOf(current);
    if (current !== undefined && behaviour !== 'ignore') {
      const scale = current.scaleSettings;
      this.#computes.set(key(resource.id), {
        ...current,
        ...(patch.scaleSettings === undefined || scale === undefined ? {} : { scaleSettings: { ...scale, ...patch.scaleSettings } }),
        ...(patch.idleTimeBeforeShutdown === undefined ? {} : { idleTimeBeforeShutdown: patch.idleTimeBeforeShutdown }),
      });
    }
    const via = patch.idleTimeBeforeShutdown !== undefined ? 'idleShutdownSetting' : patch.scaleSettings !== undefined ? 'clusterUpdate' : 'tagsMerge';
    return { via, patch, before, after: fieldsOf(this.#computes.get(key(resource.id))), result: behaviour === 'ignore' ? 'ignored' : 'applied' };
  }
}

function fieldsOf(compute: ComputeResource | undefined): PatchedFields {
  if (compute === undefined) return {};
  return {
    ...(compute.scaleSettings === undefined ? {} : { scaleSettings: { ...compute.scaleSettings } as PatchedFields['scaleSettings'] }),
    idleTimeBeforeShutdown: compute.idleTimeBeforeShutdown ?? null,
  };
}
