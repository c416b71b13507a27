import { ONLINE_DEPLOYMENT_TYPE, ONLINE_ENDPOINT_TYPE } from './arm/onlineEndpoints.js';
import { workspaceId, type EmulatorState } from './state.js';

/** The playground's online endpoint and deployments (documented in the README). */
export const PLAYGROUND_ONLINE = {
  endpoint: 'churn-endpoint',
  /** `Default` scale with 8 instances: over the playground policy's cap of 2. */
  overCapDeployment: 'blue',
  /** Provisioning failed, still billed. */
  failedDeployment: 'green',
} as const;

const SEEDED_BY = 'aml-warden-emulator-seed';

/**
 * A managed online endpoint reachable from the internet with key auth, one deployment over its instance cap and
 * one in `Failed` state (shapes: azure-rest-api-specs `stable/2024-04-01/mfe.json` `OnlineEndpoint`, `OnlineDeployment`).
 */
export function seedOnlineEndpoints(state: EmulatorState, subscriptionId: string, resourceGroup: string, workspace: string, location: string, owner: string, now: Date): void {
  const at = now.toISOString();
  const systemData = { createdAt: at, createdBy: SEEDED_BY, createdByType: 'Application', lastModifiedAt: at, lastModifiedBy: SEEDED_BY, lastModifiedByType: 'Application' } as const;
  const { endpoint, overCapDeployment, failedDeployment } = PLAYGROUND_ONLINE;
  const endpointId = `${workspaceId(subscriptionId, resourceGroup, workspace)}/onlineEndpoints/${endpoint}`;
  state.put({
    id: endpointId,
    name: endpoint,
    type: ONLINE_ENDPOINT_TYPE,
    location,
    tags: { owner },
    extra: { kind: 'Managed' },
    properties: {
      description: 'churn model (seeded)',
      properties: {},
      traffic: { [overCapDeployment]: 100, [failedDeployment]: 0 },
      authMode: 'Key',
      publicNetworkAccess: 'Enabled',
      scoringUri: `https://${endpoint}.${location}.inference.ml.azure.com/score`,
      swaggerUri: `https://${endpoint}.${location}.inference.ml.azure.com/swagger.json`,
      provisioningState: 'Succeeded',
    },
    systemData,
  });
  const deployment = (name: string, capacity: number, provisioningState: string) =>
    state.put({
      id: `${endpointId}/deployments/${name}`,
      name,
      type: ONLINE_DEPLOYMENT_TYPE,
      location,
      tags: { owner },
      extra: { kind: 'Managed', sku: { name: 'Default', tier: 'Standard', capacity } },
      properties: {
        endpointComputeType: 'Managed',
        instanceType: 'Standard_DS3_v2',
        model: `azureml:churn:1`,
        scaleSettings: { scaleType: 'Default' },
        appInsightsEnabled: false,
        provisioningState,
      },
      systemData,
    });
  deployment(overCapDeployment, 8, 'Succeeded');
  deployment(failedDeployment, 1, 'Failed');
}
