/**
 * Azure ML workspaces and computes for compute requests, through `@azure/arm-machinelearning`.
 * Creation goes through `computeOperations.beginCreateOrUpdate`; the operation's state is serialized so
 * that whichever instance runs next resumes it (`resumeFrom`) instead of waiting in memory.
 */
import type { AzureMachineLearningWorkspaces, ComputeResource as ArmComputeResource } from '@azure/arm-machinelearning';
import { azureErrorFacts, fromAzureError, isTransientAzureError } from '../azureErrors.js';
import { AppError } from '../../errors.js';
import type { ComputeSpec } from '../../policy/computeRequestRules.js';
import { parseArmResourceId, parseWorkspace } from '../../policy/resources.js';
import { tagValueOf } from '../../policy/tags.js';
import { requestTagName, type ComputeGateway, type ProvisioningProgress } from '../../computeRequests/ports.js';

const MODULE = 'computeRequests';
const LRO_FAILED = /^The long-running operation has failed\.?\s*(?:([^.\s]+)\.\s*)?([\s\S]*)$/;

export type ArmClientFor = (subscriptionId: string) => Promise<AzureMachineLearningWorkspaces>;

function locationOf(workspaceId: string): { subscriptionId: string; resourceGroup: string; workspaceName: string } {
  const parsed = parseArmResourceId(workspaceId);
  if (parsed === undefined || parsed.computeName !== undefined) {
    throw new AppError('BadRequest', `not an Azure ML workspace resource id: ${workspaceId}`, { target: 'body.workspaceId', module: MODULE });
  }
  return parsed;
}

/** Azure's reason for a failed create: `Code: message`, from an LRO failure or an error response. */
export function failureReasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const lro = LRO_FAILED.exec(message);
  if (lro) {
    const [, code, detail] = lro;
    return code ? `${code}: ${detail?.trim() || 'no details'}` : detail?.trim() || 'the operation failed without details';
  }
  const { code, statusCode } = azureErrorFacts(error);
  return `${code ?? (statusCode === undefined ? 'Error' : `HTTP ${statusCode}`)}: ${message}`;
}

function provisioningErrorOf(compute: ArmComputeResource): string | undefined {
  const errors = compute.properties?.provisioningErrors ?? [];
  const first = errors.find((entry) => entry.error !== undefined)?.error;
  if (first === undefined) return undefined;
  return `${first.code ?? 'ProvisioningFailed'}: ${first.message ?? 'no details'}`;
}

function progressOfCompute(compute: ArmComputeResource, fallbackId: string): ProvisioningProgress {
  const state = compute.properties?.provisioningState?.toLowerCase();
  if (state === 'succeeded') return { kind: 'succeeded', computeId: compute.id ?? fallbackId };
  if (state === 'failed' || state === 'canceled') {
    return { kind: 'failed', reason: provisioningErrorOf(compute) ?? `the compute's provisioning state is ${compute.properties?.provisioningState ?? 'unknown'}` };
  }
  return { kind: 'running', operationState: undefined };
}

/**
 * Asks Azure to create, never to replace. The compute API declares no ETag or conditional headers (Compute_CreateOrUpdate
 * in the Azure ML REST spec), so the use case reads the name right before the PUT; `If-None-Match: *` is sent as
 * well, for a service that honours it; a 409 or 412 is a `conflict` the use case looks into (the name taken, or an
 * operation in progress).
 */
const CREATE_ONLY = { requestOptions: { customHeaders: { 'if-none-match': '*' } } };

export function createComputeGateway(armClient: ArmClientFor): ComputeGateway {
  return {
    async readWorkspace(workspaceId) {
      const location = locationOf(workspaceId);
      const client = await armClient(location.subscriptionId);
      try {
        return parseWorkspace(await client.workspaces.get(location.resourceGroup, location.workspaceName));
      } catch (error) {
        if (azureErrorFacts(error).statusCode === 404) return undefined;
        throw fromAzureError(error, `Reading workspace '${location.workspaceName}'`, { module: MODULE });
      }
    },

    async findCompute(workspaceId, computeName) {
      const location = locationOf(workspaceId);
      const client = await armClient(location.subscriptionId);
      try {
        const compute = await client.computeOperations.get(location.resourceGroup, location.workspaceName, computeName);
        return { requestId: tagValueOf(compute.tags ?? {}, requestTagName), progress: progressOfCompute(compute, `${workspaceId}/computes/${computeName}`) };
      } catch (error) {
        if (azureErrorFacts(error).statusCode === 404) return undefined;
        throw fromAzureError(error, `Reading compute '${computeName}'`, { module: MODULE });
      }
    },

    async beginCreate(workspace, computeName, spec: ComputeSpec) {
      const client = await armClient(workspace.subscriptionId);
      const computeId = `${workspace.id}/computes/${computeName}`;
      const parameters: ArmComputeResource = {
        ...(spec.location === undefined ? {} : { location: spec.location }),
        tags: { ...spec.tags },
        properties: {
          computeType: 'AmlCompute',
          properties: {
            vmSize: spec.properties.properties.vmSize,
            vmPriority: spec.properties.properties.vmPriority,
            scaleSettings: { ...spec.properties.properties.scaleSettings },
            remoteLoginPortPublicAccess: spec.properties.properties.remoteLoginPortPublicAccess,
          },
        },
      };
      try {
        const poller = await client.computeOperations.beginCreateOrUpdate(workspace.resourceGroup, workspace.workspaceName, computeName, parameters, CREATE_ONLY);
        if (!poller.isDone()) return { kind: 'running', operationState: poller.toString() };
        return progressOfCompute(poller.getResult() ?? {}, computeId);
      } catch (error) {
        if (isTransientAzureError(error)) throw fromAzureError(error, `Creating compute '${computeName}'`, { module: MODULE });
        const { statusCode } = azureErrorFacts(error);
        if (statusCode === 409 || statusCode === 412) return { kind: 'conflict', reason: failureReasonOf(error) };
        return { kind: 'failed', reason: failureReasonOf(error) };
      }
    },

    async track(workspaceId, computeName, operationState) {
      const location = locationOf(workspaceId);
      const client = await armClient(location.subscriptionId);
      try {
        // Resuming sends no new PUT: the poller continues the operation the state names.
        const poller = await client.computeOperations.beginCreateOrUpdate(location.resourceGroup, location.workspaceName, computeName, {}, {
          resumeFrom: operationState,
        });
        if (!poller.isDone()) return { kind: 'running', operationState: poller.toString() };
        return progressOfCompute(poller.getResult() ?? {}, `${workspaceId}/computes/${computeName}`);
      } catch (error) {
        if (isTransientAzureError(error)) throw fromAzureError(error, `Tracking the creation of compute '${computeName}'`, { module: MODULE });
        return { kind: 'failed', reason: failureReasonOf(error) };
      }
    },
  };
}
