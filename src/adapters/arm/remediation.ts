/**
 * The governance adapter towards ARM: reads the resources policy is about (fresh, never from an event's
 * payload) and writes the minimal patch evaluation asked for, in the one call Azure applies for it:
 *
 * - a cluster's scale settings: Compute_Update (`PATCH .../computes/{name}`), whose body is
 *   `ClusterUpdateParameters` — scale settings and nothing else (azure-rest-api-specs
 *   `Microsoft.MachineLearningServices/stable/2024-04-01/machineLearningServices.json`). It is long-running
 *   (`examples/Compute/patch.json`: 200 `Updating` + `Azure-AsyncOperation`), so it is polled to its end
 *   (`@azure/core-lro`), and the compute read afterwards says whether the change took;
 * - a compute instance's idle shutdown: `POST .../updateIdleShutdownSetting` with `{idleTimeBeforeShutdown}`
 *   (MicrosoftDocs/azure-ai-docs `how-to-create-compute-instance.md`; examples
 *   `stable/2023-04-01|2025-12-01/examples/Compute/updateIdleShutdownSetting.json`: 200, no body), then read back;
 * - a workspace's tags: the Tags API (`operation: Merge`), which touches nothing the patch does not name.
 *
 * None of these declares an ETag or a conditional header in its REST spec (Azure ML's computes and workspaces, the
 * Tags API), so there is no `If-Match` to send. Instead every write is preceded by a fresh read: if the values the
 * write carries (a cluster update carries all of its scale settings) or a workspace's tags changed since the
 * evaluation, the write is not sent and a `Conflict` says so; the caller re-reads and re-evaluates. The read and the
 * write are two calls, so a change in between is still possible; the next write event evaluates it.
 *   A compute's tags are never written: ARM's tag-support table lists `workspaces / computes` as not supporting
 *   tags (they are set when the compute is created), so evaluation reports them and proposes no fix.
 *
 * Nothing is ever deleted. Every change comes back with the fields before and after, and whether Azure applied it.
 */
import type { SimplePollerLike, OperationState } from '@azure/core-lro';
import { AppError, isAppError } from '../../errors.js';
import type { Patch, ScaleSettingsPatch } from '../../policy/findings.js';
import { parseCompute, parseWorkspace, type ComputeResource, type GovernedResource, type WorkspaceResource } from '../../policy/resources.js';
import { tagKeyOf } from '../../policy/tags.js';
import type { AppliedChange, ApplyOptions, GovernedResources, PatchedFields, WorkspaceLocation } from '../../governance/ports.js';
import { armUrl, encodeArmPath, type ArmAnswer, type ArmRequester } from './armRequest.js';

/**
 * Compute reads and idle shutdown: the first stable version whose compute instance declares `idleTimeBeforeShutdown`
 * (stable 2022-10-01 to 2025-09-01 do not, so a compliant instance would read as having none; Azure/bicep-types-az
 * `microsoft.machinelearningservices/2025-12-01/types.md`) and whose examples hold `Compute_UpdateIdleShutdownSetting`
 * (azure-rest-api-specs `stable/2025-12-01/examples/Compute/updateIdleShutdownSetting.json`).
 */
export const COMPUTE_API_VERSION = '2025-12-01';
/** Compute_Update, as the vendored spec declares it. */
export const CLUSTER_UPDATE_API_VERSION = '2024-04-01';
export const IDLE_SHUTDOWN_API_VERSION = COMPUTE_API_VERSION;
export const WORKSPACE_API_VERSION = '2022-10-01';
export const JOBS_API_VERSION = '2022-10-01';
export const TAGS_API_VERSION = '2021-04-01';

const MODULE = 'remediation';
const TERMINAL_JOB_STATUSES = new Set(['completed', 'failed', 'canceled', 'cancelled']);
const MAX_PAGES = 1000;

export function createRemediationAdapter(options: { readonly armEndpoint: string; readonly requester: ArmRequester }): GovernedResources {
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

class ArmRemediationAdapter implements GovernedResources {
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

  async apply(resource: GovernedResource, patch: Patch, options: ApplyOptions): Promise<AppliedChange | undefined> {
    const tags = patch.tags ?? {};
    const hasTags = Object.keys(tags).length > 0;
    const hasScale = patch.scaleSettings !== undefined;
    const hasIdle = patch.idleTimeBeforeShutdown !== undefined;
    if (!hasTags && !hasScale && !hasIdle) return undefined;
    if ([hasTags, hasScale, hasIdle].filter(Boolean).length > 1) {
      throw new AppError('Internal', `A patch for ${resource.resourceType} '${resource.name}' needs more than one call: ${Object.keys(patch).join(', ')}`, { module: MODULE });
    }
    const before = fieldsOf(resource, patch);
    await this.#assertUnchanged(resource, patch);
    if (resource.resourceType === 'compute') {
      if (hasTags) throw new AppError('Internal', `A compute's tags are set when it is created; '${resource.name}' gets none written`, { module: MODULE });
      if (hasScale) return this.#updateCluster(resource, patch, before, options);
      return this.#setIdleShutdown(resource, patch, before);
    }
    if (!hasTags) throw new AppError('Internal', 'A workspace has no scale settings or idle shutdown to write', { module: MODULE });
    const answer = await this.#requester.send({
      subscriptionId: resource.subscriptionId,
      method: 'PATCH',
      url: armUrl(this.#endpoint, `${encodeArmPath(resource.id)}/providers/Microsoft.Resources/tags/default`, TAGS_API_VERSION),
      body: { operation: 'Merge', properties: { tags } },
      what: `Merging tags into workspace '${resource.name}'`,
    });
    const after = { tags: pick(tagsOfTagsResource(answer.body), Object.keys(tags)) };
    return { via: 'tagsMerge', patch, before, after, result: shows(after, patch) ? 'applied' : 'ignored' };
  }

  /**
   * Reads the resource again right before a write. A change to anything the write carries (a cluster update carries
   * all of its scale settings) or, for a workspace, to any of its tags (an exemption, an owner) is a `Conflict`: the
   * write would clobber it, or was decided on what is no longer there. Other changes (Azure's own bookkeeping) are not.
   */
  async #assertUnchanged(resource: GovernedResource, patch: Patch): Promise<void> {
    const fresh: GovernedResource = resource.resourceType === 'compute' ? await this.readCompute(resource, resource.name) : await this.readWorkspace(resource);
    const decidedOn = (of: GovernedResource) =>
      JSON.stringify({
        ...fieldsOf(of, patch),
        ...(of.resourceType === 'compute' ? (patch.scaleSettings === undefined ? {} : { scaleSettings: of.scaleSettings ?? {} }) : { tags: of.tags }),
      });
    if (decidedOn(fresh) !== decidedOn(resource)) {
      throw new AppError('Conflict', `${resource.resourceType === 'compute' ? 'Compute' : 'Workspace'} '${resource.name}' changed since it was read; nothing was written`, {
        module: MODULE,
      });
    }
  }

  /** Compute_Update with the complete scale settings, followed to its end and read back. */
  async #updateCluster(compute: ComputeResource, patch: Patch, before: PatchedFields, options: ApplyOptions): Promise<AppliedChange> {
    const url = armUrl(this.#endpoint, encodeArmPath(compute.id), CLUSTER_UPDATE_API_VERSION);
    const what = `Updating compute '${compute.name}'`;
    const body = clusterUpdateBody(compute, patch);
    const toLro = (answer: ArmAnswer) => ({ flatResponse: answer.body, rawResponse: { statusCode: answer.status, headers: { ...answer.headers }, body: answer.body } });
    const { createHttpPoller } = await import('@azure/core-lro');
    const poller: SimplePollerLike<OperationState<unknown>, unknown> = await createHttpPoller(
      {
        requestMethod: 'PATCH',
        requestPath: url,
        sendInitialRequest: async () => toLro(await this.#requester.send({ subscriptionId: compute.subscriptionId, method: 'PATCH', url, body, what })),
        sendPollRequest: async (path) => toLro(await this.#requester.send({ subscriptionId: compute.subscriptionId, method: 'GET', url: path, what: `Following the update of compute '${compute.name}'` })),
      },
      { intervalInMs: 1000 },
    );
    const finished = await this.#followFor(poller, options.waitMs, compute.name);
    if (!finished) return { via: 'clusterUpdate', patch, before, after: undefined, result: 'unconfirmed' };
    const after = fieldsOf(await this.readCompute(compute, compute.name), patch);
    return { via: 'clusterUpdate', patch, before, after, result: shows(after, patch) ? 'applied' : 'ignored' };
  }

  /** Polls until the operation ends or `waitMs` passes; an operation that failed is a permanent error. */
  async #followFor(poller: SimplePollerLike<OperationState<unknown>, unknown>, waitMs: number, computeName: string): Promise<boolean> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), waitMs);
    try {
      await poller.pollUntilDone({ abortSignal: abort.signal });
      return true;
    } catch (error) {
      if (abort.signal.aborted && !poller.isDone()) return false;
      if (isAppError(error)) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new AppError('UpstreamPermanent', `Updating compute '${computeName}' failed: ${message}`, { module: MODULE });
    } finally {
      clearTimeout(timer);
    }
  }

  /** updateIdleShutdownSetting (synchronous: 200 with no body), then the instance read back. */
  async #setIdleShutdown(compute: ComputeResource, patch: Patch, before: PatchedFields): Promise<AppliedChange> {
    await this.#requester.send({
      subscriptionId: compute.subscriptionId,
      method: 'POST',
      url: armUrl(this.#endpoint, `${encodeArmPath(compute.id)}/updateIdleShutdownSetting`, IDLE_SHUTDOWN_API_VERSION),
      body: { idleTimeBeforeShutdown: patch.idleTimeBeforeShutdown },
      what: `Setting the idle shutdown of compute instance '${compute.name}'`,
    });
    const after = fieldsOf(await this.readCompute(compute, compute.name), patch);
    return { via: 'idleShutdownSetting', patch, before, after, result: shows(after, patch) ? 'applied' : 'ignored' };
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
 * The Compute_Update body: `ClusterUpdateParameters` with the complete scale settings — the patch's fields over the
 * cluster's current ones — because the update overwrites them (`maxNodeCount` is required, `minNodeCount` defaults to
 * 0, and an idle time left out would not be kept).
 */
export function clusterUpdateBody(compute: ComputeResource, patch: Patch): Record<string, unknown> {
  const current: ScaleSettingsPatch = compute.scaleSettings ?? {};
  const scaleSettings: Record<string, string | number> = {};
  const maxNodeCount = patch.scaleSettings?.maxNodeCount ?? current.maxNodeCount;
  if (maxNodeCount === undefined) throw new AppError('UpstreamPermanent', `Compute '${compute.name}' reports no maxNodeCount to keep`, { module: MODULE });
  scaleSettings['maxNodeCount'] = maxNodeCount;
  const minNodeCount = patch.scaleSettings?.minNodeCount ?? current.minNodeCount;
  if (minNodeCount !== undefined) scaleSettings['minNodeCount'] = minNodeCount;
  const idle = patch.scaleSettings?.nodeIdleTimeBeforeScaleDown ?? current.nodeIdleTimeBeforeScaleDown;
  if (idle !== undefined) scaleSettings['nodeIdleTimeBeforeScaleDown'] = idle;
  return { properties: { properties: { scaleSettings } } };
}

/** Whether the fields read back hold every value the patch asked for. */
function shows(after: PatchedFields, patch: Patch): boolean {
  const scale = Object.entries(patch.scaleSettings ?? {}).every(([field, value]) => after.scaleSettings?.[field as keyof ScaleSettingsPatch] === value);
  const idle = patch.idleTimeBeforeShutdown === undefined || after.idleTimeBeforeShutdown === patch.idleTimeBeforeShutdown;
  const tags = Object.entries(patch.tags ?? {}).every(([name, value]) => after.tags?.[name] === value);
  return scale && idle && tags;
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
