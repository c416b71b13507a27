/**
 * The Azure ML facts the event use cases act on, re-read from ARM through `@azure/arm-machinelearning`
 * (never taken from an event's payload): model versions, jobs (with their pipeline parent) and workspaces.
 * A missing resource is `undefined`; other failures are AppErrors (transient ones make Event Grid retry).
 */
import type { WorkspaceReference } from '../../events/domainEvent.js';
import type { ModelRegistry, ModelVersionRecord } from '../../modelCd/ports.js';
import { tagValueOf } from '../../policy/tags.js';
import type { RunRecord, RunRecords } from '../../runNotifications/ports.js';
import { fromAzureError, azureErrorFacts } from '../azureErrors.js';
import type { MachineLearningClientFactory } from './machineLearning.js';

const MODULE = 'aml';

/** A job as both model CD (its experiment and parent) and run notifications (its error, owner, link) read it. */
export type JobRecord = RunRecord & { readonly properties: Readonly<Record<string, string>> };

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

/** Model versions, jobs and workspaces through `@azure/arm-machinelearning`, for model CD and run notifications. */
export class AmlRecords implements ModelRegistry, RunRecords {
  readonly #client: MachineLearningClientFactory;

  constructor(client: MachineLearningClientFactory) {
    this.#client = client;
  }

  async modelVersion(workspace: WorkspaceReference, name: string, version: string): Promise<ModelVersionRecord | undefined> {
    const client = await this.#client(workspace.subscriptionId);
    const found = await readOrUndefined(
      () => client.modelVersions.get(workspace.resourceGroup, workspace.workspaceName, name, version),
      `Reading model version '${name}:${version}'`,
    );
    if (found === undefined) return undefined;
    const properties = found.properties;
    return { name, version, tags: stringMap(properties.tags), jobName: text(properties.jobName) };
  }

  async job(workspace: WorkspaceReference, name: string): Promise<JobRecord | undefined> {
    const client = await this.#client(workspace.subscriptionId);
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

  async workspaceTags(workspace: WorkspaceReference): Promise<Readonly<Record<string, string>> | undefined> {
    const client = await this.#client(workspace.subscriptionId);
    const found = await readOrUndefined(() => client.workspaces.get(workspace.resourceGroup, workspace.workspaceName), `Reading workspace '${workspace.workspaceName}'`);
    return found === undefined ? undefined : stringMap(found.tags);
  }

  async workspaceExists(workspace: WorkspaceReference): Promise<boolean> {
    return (await this.workspaceTags(workspace)) !== undefined;
  }
}
