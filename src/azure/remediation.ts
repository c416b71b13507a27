/**
 * The governance adapter towards ARM: reads the resources policy is about (fresh, never from an event's
 * payload) and writes the minimal patch evaluation asked for.
 *
 * - Computes are read with api-version 2023-04-01: older versions (and `@azure/arm-machinelearning` 2.1.1)
 *   drop a compute instance's `idleTimeBeforeShutdown`, which would make a compliant instance look
 *   non-compliant forever.
 * - A compute's patch goes out as ONE write: scale settings, idle shutdown and tags in a single PATCH of the
 *   compute (the SDK's `ClusterUpdateParameters` cannot carry tags or idle shutdown, so it is sent through
 *   the client's pipeline). One write means one ResourceWriteSuccess, which then finds the compute compliant.
 * - Tags alone (computes and workspaces) are merged through the Tags API (`operation: Merge`): nothing the
 *   patch does not name is touched. Nothing is ever deleted.
 */
import { AppError } from '../errors.js';
import type { Patch, ScaleSettingsPatch } from '../policy/findings.js';
import { parseCompute, parseWorkspace, type ComputeResource, type GovernedResource, type WorkspaceResource } from '../policy/resources.js';
import { tagKeyOf } from '../policy/tags.js';
import { armUrl, encodeArmPath, type ArmRequester } from './armRequest.js';

/** api-version for reading and writing computes: the first that keeps compute-instance idle shutdown. */
export const COMPUTE_API_VERSION = '2023-04-01';
export const WORKSPACE_API_VERSION = '2022-10-01';
export const JOBS_API_VERSION = '2022-10-01';
export const TAGS_API_VERSION = '2021-04-01';

const MODULE = 'remediation';
const TERMINAL_JOB_STATUSES = new Set(['completed', 'failed', 'canceled', 'cancelled']);
const MAX_PAGES = 1000;

export interface WorkspaceLocation {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly workspaceName: string;
}

/** What one write did: which call, and the resource's relevant state before and after. */
export interface AppliedChange {
  readonly via: 'computePatch' | 'tagsMerge';
  readonly patch: Patch;
  readonly before: PatchedFields;
  readonly after: PatchedFields;
}

/** The fields a patch can touch, as they were / are. */
export interface PatchedFields {
  readonly scaleSettings?: Partial<Record<keyof ScaleSettingsPatch, string | number | null>>;
  readonly idleTimeBeforeShutdown?: string | null;
  readonly tags?: Readonly<Record<string, string | null>>;
}

export interface RemediationAdapter {
  readWorkspace(location: WorkspaceLocation): Promise<WorkspaceResource>;
  readCompute(location: WorkspaceLocation, computeName: string): Promise<ComputeResource>;
  /** Every compute of a workspace (all pages). */
  listComputes(location: WorkspaceLocation): Promise<ComputeResource[]>;
  /** A resource group's tags (for tag inheritance). */
  readResourceGroupTags(subscriptionId: string, resourceGroup: string): Promise<Readonly<Record<string, string>>>;
  /** Whether the workspace has a job in a non-terminal status that runs on this compute. */
  hasUnfinishedJobs(compute: ComputeResource): Promise<boolean>;
  /** Writes the patch in one call; an empty patch writes nothing and returns `undefined`. */
  apply(resource: GovernedResource, patch: Patch): Promise<AppliedChange | undefined>;
}

export function createRemediationAdapter(options: { readonly armEndpoint: string; readonly requester: ArmRequester }): RemediationAdapter {
  return new ArmRemediationAdapter(options.armEndpoint, options.requester);
}

function workspacePath(location: WorkspaceLocation): string {
  return encodeArmPath(
    `/subscriptions/${location.subscriptionId}/resourceGroups/${location.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${location.workspaceName}`,
  );
}

function pageOf(body: unknown): { value: unknown[]; nextLink: string | undefined } {
  if (typeof body !== 'object' || body === null) return { value: [], nextLink: undefined };
  const value = 'value' in body && Array.isArray(body.value) ? (body.value as unknown[]) : [];
  const nextLink = 'nextLink' in body && typeof body.nextLink === 'string' && body.nextLink !== '' ? body.nextLink : undefined;
  return { value, nextLink };
}

class ArmRemediationAdapter implements RemediationAdapter {
  readonly #endpoint: string;
  readonly #requester: ArmRequester;

  constructor(endpoint: string, requester: ArmRequester) {
    this.#endpoint = endpoint;
    this.#requester = requester;
  }

  async readWorkspace(location: WorkspaceLocation): Promise<WorkspaceResource> {
    const answer = await this.#requester.send({
      subscriptionId: location.subscriptionId,
      method: 'GET',
      url: armUrl(this.#endpoint, workspacePath(location), WORKSPACE_API_VERSION),
      what: `Reading workspace '${location.workspaceName}'`,
    });
    return parseWorkspace(answer.body);
  }

  async readCompute(location: WorkspaceLocation, computeName: string): Promise<ComputeResource> {
    const answer = await this.#requester.send({
      subscriptionId: location.subscriptionId,
      method: 'GET',
      url: armUrl(this.#endpoint, `${workspacePath(location)}/computes/${encodeURIComponent(computeName)}`, COMPUTE_API_VERSION),
      what: `Reading compute '${computeName}'`,
    });
    return parseCompute(answer.body);
  }

  async listComputes(location: WorkspaceLocation): Promise<ComputeResource[]> {
    const items = await this.#listAll(
      location.subscriptionId,
      armUrl(this.#endpoint, `${workspacePath(location)}/computes`, COMPUTE_API_VERSION),
      `Listing the computes of workspace '${location.workspaceName}'`,
    );
    return items.map((item) => parseCompute(item));
  }

  async readResourceGroupTags(subscriptionId: string, resourceGroup: string): Promise<Readonly<Record<string, string>>> {
    const answer = await this.#requester.send({
      subscriptionId,
      method: 'GET',
      url: armUrl(this.#endpoint, `${encodeArmPath(`/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`)}/providers/Microsoft.Resources/tags/default`, TAGS_API_VERSION),
      what: `Reading the tags of resource group '${resourceGroup}'`,
    });
    return tagsOfTagsResource(answer.body);
  }

  async hasUnfinishedJobs(compute: ComputeResource): Promise<boolean> {
    const jobs = await this.#listAll(
      compute.subscriptionId,
      armUrl(this.#endpoint, `${workspacePath(compute)}/jobs`, JOBS_API_VERSION),
      `Listing the jobs of workspace '${compute.workspaceName}'`,
    );
    const suffix = `/computes/${compute.name}`.toLowerCase();
    return jobs.some((job) => {
      const properties = typeof job === 'object' && job !== null && 'properties' in job ? job.properties : undefined;
      if (typeof properties !== 'object' || properties === null) return false;
      const computeId = 'computeId' in properties && typeof properties.computeId === 'string' ? properties.computeId.toLowerCase() : '';
      const status = 'status' in properties && typeof properties.status === 'string' ? properties.status.toLowerCase() : 'unknown';
      return (computeId.endsWith(suffix) || computeId === compute.name.toLowerCase()) && !TERMINAL_JOB_STATUSES.has(status);
    });
  }

  async apply(resource: GovernedResource, patch: Patch): Promise<AppliedChange | undefined> {
    const tags = patch.tags ?? {};
    const hasTags = Object.keys(tags).length > 0;
    const computeFields = patch.scaleSettings !== undefined || patch.idleTimeBeforeShutdown !== undefined;
    if (!hasTags && !computeFields) return undefined;
    if (resource.resourceType === 'workspace' && computeFields) {
      throw new AppError('Internal', 'A workspace has no scale settings or idle shutdown to write', { module: MODULE });
    }
    const before = fieldsOf(resource, patch);
    if (resource.resourceType === 'compute' && computeFields) {
      const answer = await this.#requester.send({
        subscriptionId: resource.subscriptionId,
        method: 'PATCH',
        url: armUrl(this.#endpoint, encodeArmPath(resource.id), COMPUTE_API_VERSION),
        body: computePatchBody(resource, patch),
        what: `Updating compute '${resource.name}'`,
      });
      return { via: 'computePatch', patch, before, after: fieldsOf(parseCompute(answer.body), patch) };
    }
    const answer = await this.#requester.send({
      subscriptionId: resource.subscriptionId,
      method: 'PATCH',
      url: armUrl(this.#endpoint, `${encodeArmPath(resource.id)}/providers/Microsoft.Resources/tags/default`, TAGS_API_VERSION),
      body: { operation: 'Merge', properties: { tags } },
      what: `Merging tags into ${resource.resourceType} '${resource.name}'`,
    });
    return { via: 'tagsMerge', patch, before, after: { tags: pick(tagsOfTagsResource(answer.body), Object.keys(tags)) } };
  }

  async #listAll(subscriptionId: string, firstUrl: string, what: string): Promise<unknown[]> {
    const items: unknown[] = [];
    let url: string | undefined = firstUrl;
    for (let page = 0; url !== undefined; page += 1) {
      if (page >= MAX_PAGES) throw new AppError('UpstreamPermanent', `${what}: more than ${MAX_PAGES} pages`, { module: MODULE });
      const answer = await this.#requester.send({ subscriptionId, method: 'GET', url, what });
      const { value, nextLink } = pageOf(answer.body);
      items.push(...value);
      url = nextLink;
    }
    return items;
  }
}

/**
 * The compute PATCH body: the changed scale settings (with `maxNodeCount`, which ARM requires in every
 * scale settings object), idle shutdown, and — when tags change too — the full tag set, because a resource
 * PATCH replaces tags: current tags plus the patch's, so none is lost.
 */
export function computePatchBody(compute: ComputeResource, patch: Patch): Record<string, unknown> {
  const inner: Record<string, unknown> = {};
  if (patch.scaleSettings !== undefined) {
    const maxNodeCount = patch.scaleSettings.maxNodeCount ?? compute.scaleSettings?.maxNodeCount;
    inner['scaleSettings'] = { ...(maxNodeCount === undefined ? {} : { maxNodeCount }), ...patch.scaleSettings };
  }
  if (patch.idleTimeBeforeShutdown !== undefined) inner['idleTimeBeforeShutdown'] = patch.idleTimeBeforeShutdown;
  const tags = patch.tags === undefined || Object.keys(patch.tags).length === 0 ? undefined : mergedTags(compute.tags, patch.tags);
  return { ...(tags === undefined ? {} : { tags }), properties: { properties: inner } };
}

/** Patch tags over current tags; a name already present in another case keeps its key. */
export function mergedTags(current: Readonly<Record<string, string>>, changes: Readonly<Record<string, string>>): Record<string, string> {
  const merged: Record<string, string> = { ...current };
  for (const [name, value] of Object.entries(changes)) merged[tagKeyOf(merged, name) ?? name] = value;
  return merged;
}

function fieldsOf(resource: GovernedResource, patch: Patch): PatchedFields {
  const scale = resource.resourceType === 'compute' ? resource.scaleSettings : undefined;
  return {
    ...(patch.scaleSettings === undefined
      ? {}
      : {
          scaleSettings: Object.fromEntries(
            Object.keys(patch.scaleSettings).map((field) => [field, scale?.[field as keyof ScaleSettingsPatch] ?? null]),
          ),
        }),
    ...(patch.idleTimeBeforeShutdown === undefined
      ? {}
      : { idleTimeBeforeShutdown: resource.resourceType === 'compute' ? (resource.idleTimeBeforeShutdown ?? null) : null }),
    ...(patch.tags === undefined ? {} : { tags: pick(resource.tags, Object.keys(patch.tags)) }),
  };
}

function pick(tags: Readonly<Record<string, string>>, names: readonly string[]): Record<string, string | null> {
  return Object.fromEntries(names.map((name) => {
    const key = tagKeyOf(tags, name);
    return [name, key === undefined ? null : (tags[key] ?? null)];
  }));
}

function tagsOfTagsResource(body: unknown): Record<string, string> {
  const properties = typeof body === 'object' && body !== null && 'properties' in body ? body.properties : undefined;
  const tags = typeof properties === 'object' && properties !== null && 'tags' in properties ? properties.tags : undefined;
  const result: Record<string, string> = {};
  if (typeof tags === 'object' && tags !== null) {
    for (const [name, value] of Object.entries(tags)) if (typeof value === 'string') result[name] = value;
  }
  return result;
}
