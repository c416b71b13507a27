/**
 * The Azure ML facts the event use cases act on, re-read from ARM through `@azure/arm-machinelearning`
 * (never taken from an event's payload): model versions, jobs (with their pipeline parent) and workspaces.
 * A missing resource is `undefined`; other failures are AppErrors (transient ones make Event Grid retry).
 */
import { fromAzureError, azureErrorFacts } from '../azureErrors.js';
import type { WorkspaceReference } from '../../events/domainEvent.js';
import { tagValueOf } from '../../policy/tags.js';
import type { Services } from '../../services.js';

const MODULE = 'aml';

type StringMap = Readonly<Record<string, string>>;

export interface ModelVersionRecord {
  readonly name: string;
  readonly version: string;
  readonly tags: StringMap;
  /** The job that produced the version, when ARM records one. */
  readonly jobName: string | undefined;
}

export interface JobRecord {
  readonly name: string;
  readonly displayName: string | undefined;
  readonly jobType: string;
  readonly experimentName: string | undefined;
  readonly status: string | undefined;
  readonly tags: StringMap;
  readonly properties: StringMap;
  /** The pipeline job this one ran in, for pipeline steps. */
  readonly parentJobName: string | undefined;
  /** The job's own studio link (`services.Studio.endpoint`), when Azure ML reports one. */
  readonly studioEndpoint: string | undefined;
  /** The error Azure ML recorded for the job, if any. */
  readonly errorText: string | undefined;
  readonly createdBy: string | undefined;
}

export interface WorkspaceRecord {
  readonly tags: StringMap;
  readonly tenantId: string | undefined;
}

/** Run properties Azure ML sets on a pipeline step, naming its parent pipeline run. */
const PARENT_PROPERTY_NAMES = ['azureml.pipelinerunid', 'azureml.parentrunid'];

function stringMap(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null) return {};
  const result: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry === 'string') result[key] = entry;
    else if (typeof entry === 'number' || typeof entry === 'boolean') result[key] = String(entry);
  }
  return result;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

async function readOrUndefined<T>(read: () => Promise<T>, what: string): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (azureErrorFacts(error).statusCode === 404) return undefined;
    throw fromAzureError(error, what, { module: MODULE });
  }
}

export async function readModelVersion(services: Services, workspace: WorkspaceReference, name: string, version: string): Promise<ModelVersionRecord | undefined> {
  const client = await services.arm(workspace.subscriptionId);
  const found = await readOrUndefined(
    () => client.modelVersions.get(workspace.resourceGroup, workspace.workspaceName, name, version),
    `Reading model version '${name}:${version}'`,
  );
  if (found === undefined) return undefined;
  const properties = found.properties;
  return { name, version, tags: stringMap(properties.tags), jobName: text(properties.jobName) };
}

export async function readJob(services: Services, workspace: WorkspaceReference, name: string): Promise<JobRecord | undefined> {
  const client = await services.arm(workspace.subscriptionId);
  const found = await readOrUndefined(() => client.jobs.get(workspace.resourceGroup, workspace.workspaceName, name), `Reading job '${name}'`);
  if (found === undefined) return undefined;
  const properties = found.properties;
  const runProperties = stringMap(properties.properties);
  const serviceEntries = Object.entries(properties.services ?? {});
  const studio = serviceEntries.find(([serviceName]) => serviceName.toLowerCase() === 'studio')?.[1];
  const serviceError = serviceEntries.map(([, service]) => text(service?.errorMessage)).find((message) => message !== undefined);
  // Azure ML keeps a run's error in its run properties (`azureml.runError`, `error`, …) when the job's services carry none.
  const propertyError = Object.entries(runProperties).find(([key, value]) => /error/i.test(key) && value.trim() !== '')?.[1];
  return {
    name: found.name ?? name,
    displayName: text(properties.displayName),
    jobType: properties.jobType,
    experimentName: text(properties.experimentName),
    status: text(properties.status),
    tags: stringMap(properties.tags),
    properties: runProperties,
    parentJobName: PARENT_PROPERTY_NAMES.map((key) => tagValueOf(runProperties, key)).find((value) => value !== undefined && value !== ''),
    studioEndpoint: text(studio?.endpoint),
    errorText: serviceError ?? propertyError,
    createdBy: text(found.systemData?.createdBy),
  };
}

export async function readWorkspace(services: Services, workspace: WorkspaceReference): Promise<WorkspaceRecord | undefined> {
  const client = await services.arm(workspace.subscriptionId);
  const found = await readOrUndefined(() => client.workspaces.get(workspace.resourceGroup, workspace.workspaceName), `Reading workspace '${workspace.workspaceName}'`);
  if (found === undefined) return undefined;
  return { tags: stringMap(found.tags), tenantId: text(found.tenantId) };
}

/** The studio page of a job: the link Azure ML reports, or one built from the workspace id. */
export function studioRunLink(studioUrl: string, workspace: WorkspaceReference, job: Pick<JobRecord, 'name' | 'studioEndpoint'> | { readonly name: string; readonly studioEndpoint?: undefined }): string {
  if (job.studioEndpoint !== undefined && /^https:\/\//i.test(job.studioEndpoint)) return job.studioEndpoint;
  return `${studioUrl}/runs/${encodeURIComponent(job.name)}?wsid=${encodeURIComponent(workspace.id)}`;
}
