/**
 * Managed online endpoints and deployments. The sweep's lists (`OnlineEndpoints_List`, `OnlineDeployments_List`,
 * api-version 2024-04-01, paged by `nextLink`) go through the client's pipeline with the sweep's pacing
 * (`ArmRequester`), so they spend the subscription's ARM budget like the compute reads; the rare writes use
 * `@azure/arm-machinelearning`'s pollers: `OnlineDeployments_Update` with `{sku: {capacity}}` to cap a deployment
 * (the update body is `PartialMinimalTrackedResourceWithSku`, azure-rest-api-specs `stable/2024-04-01/mfe.json`), and
 * `OnlineDeployments_Delete`. Both writes are long-running; they are followed to their end and read back.
 */
import * as z from 'zod';
import type { OnlineEndpointGateway, OnlineEndpointLocation } from '../../onlineEndpoints/ports.js';
import { parseOnlineDeployment, parseOnlineEndpoint, type OnlineDeploymentResource, type OnlineEndpointResource } from '../../policy/onlineEndpointRules.js';
import { AppError } from '../../errors.js';
import { azureErrorFacts, fromAzureError } from '../azureErrors.js';
import type { MachineLearningClientFactory } from './machineLearning.js';
import { ArmRequester, armUrl, encodeArmPath, type ArmPacing } from './armRequest.js';

const ONLINE_API_VERSION = '2024-04-01';
/** `OnlineEndpointTrackedResourceArmPaginatedResult` / `OnlineDeploymentTrackedResourceArmPaginatedResult`. */
const pageSchema = z.object({ value: z.array(z.unknown()).default([]), nextLink: z.string().nullish() });

export interface OnlineEndpointGatewayOptions {
  readonly armEndpoint: string;
  readonly clientFor: MachineLearningClientFactory;
  readonly pacing?: ArmPacing | undefined;
  /** How often a long-running write is polled. */
  readonly pollIntervalMs?: number;
}

export function createOnlineEndpointGateway(options: OnlineEndpointGatewayOptions): OnlineEndpointGateway {
  const poll = { updateIntervalInMs: options.pollIntervalMs ?? 2_000 };
  const guarded = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      throw fromAzureError(error, what, { module: 'onlineEndpoints' });
    }
  };
  const requester = new ArmRequester({ clientFor: options.clientFor, pacing: options.pacing });
  /** Every page of a list under the workspace, each item parsed. */
  const listAll = async <T>(workspace: OnlineEndpointLocation, suffix: string, what: string, parseItem: (value: unknown) => T): Promise<T[]> => {
    const workspacePath = `/subscriptions/${workspace.subscriptionId}/resourceGroups/${workspace.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${workspace.workspaceName}`;
    let url: string | undefined = armUrl(options.armEndpoint, `${encodeArmPath(workspacePath)}${suffix}`, ONLINE_API_VERSION);
    const items: T[] = [];
    while (url !== undefined) {
      const answer = await requester.send({ subscriptionId: workspace.subscriptionId, method: 'GET', url, what });
      const page = pageSchema.safeParse(answer.body);
      if (!page.success) throw new AppError('UpstreamPermanent', `${what}: the answer is not a page`, { module: 'onlineEndpoints' });
      for (const value of page.data.value) items.push(parseItem(value));
      url = page.data.nextLink === undefined || page.data.nextLink === null || page.data.nextLink === '' ? undefined : page.data.nextLink;
    }
    return items;
  };
  return {
    listEndpoints: (workspace: OnlineEndpointLocation) =>
      listAll(workspace, '/onlineEndpoints', `listing online endpoints of ${workspace.workspaceName}`, parseOnlineEndpoint),
    listDeployments: (workspace, endpointName) =>
      listAll(workspace, `/onlineEndpoints/${encodeURIComponent(endpointName)}/deployments`, `listing deployments of online endpoint ${endpointName}`, parseOnlineDeployment),
    readDeployment: async (workspace, endpointName, deploymentName) => {
      const what = `reading online deployment ${endpointName}/${deploymentName}`;
      const client = await guarded(what, () => options.clientFor(workspace.subscriptionId));
      try {
        return parseOnlineDeployment(await client.onlineDeployments.get(workspace.resourceGroup, workspace.workspaceName, endpointName, deploymentName));
      } catch (error) {
        if (azureErrorFacts(error).statusCode === 404) return undefined;
        throw fromAzureError(error, what, { module: 'onlineEndpoints' });
      }
    },
    setCapacity: (workspace, deployment, capacity) =>
      guarded(`capping online deployment ${deployment.endpointName}/${deployment.name}`, async () => {
        const client = await options.clientFor(workspace.subscriptionId);
        const { resourceGroup, workspaceName } = workspace;
        await client.onlineDeployments.beginUpdateAndWait(resourceGroup, workspaceName, deployment.endpointName, deployment.name, { sku: { capacity } }, poll);
        return parseOnlineDeployment(await client.onlineDeployments.get(resourceGroup, workspaceName, deployment.endpointName, deployment.name));
      }),
    deleteDeployment: async (workspace, deployment) => {
      const what = `deleting online deployment ${deployment.endpointName}/${deployment.name}`;
      const client = await guarded(what, () => options.clientFor(workspace.subscriptionId));
      try {
        await client.onlineDeployments.beginDeleteAndWait(workspace.resourceGroup, workspace.workspaceName, deployment.endpointName, deployment.name, poll);
      } catch (error) {
        // The governance role holds no delete action; only infra's opt-in role grants it (ARM answers 403 AuthorizationFailed).
        if (azureErrorFacts(error).statusCode === 403) throw new AppError('Forbidden', `${what} failed: 403 AuthorizationFailed`, { module: 'onlineEndpoints' });
        throw fromAzureError(error, what, { module: 'onlineEndpoints' });
      }
    },
  };
}
