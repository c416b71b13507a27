/**
 * What governing online endpoints needs from the outside: the endpoints and deployments of a workspace as ARM has
 * them, the two writes it makes (`OnlineDeployments_Update` with `sku.capacity`, `OnlineDeployments_Delete`), a
 * once-ledger so a failed deployment's notices are sent once across instances, and a way to tell its owner.
 */
import type { OnlineDeploymentResource, OnlineEndpointResource } from '../policy/onlineEndpointRules.js';
import type { OnceLedger } from '../shared/onceLedger.js';

export interface OnlineEndpointLocation {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly workspaceName: string;
}

export interface OnlineEndpointGateway {
  /** `OnlineEndpoints_List` (all pages). */
  listEndpoints(workspace: OnlineEndpointLocation): Promise<OnlineEndpointResource[]>;
  /** `OnlineDeployments_List` (all pages). */
  listDeployments(workspace: OnlineEndpointLocation, endpointName: string): Promise<OnlineDeploymentResource[]>;
  /** `OnlineDeployments_Get`; `undefined` when the deployment (or its endpoint) does not exist. */
  readDeployment(workspace: OnlineEndpointLocation, endpointName: string, deploymentName: string): Promise<OnlineDeploymentResource | undefined>;
  /** `OnlineDeployments_Update` with `{sku: {capacity}}`, followed to its end; the deployment as read back. */
  setCapacity(workspace: OnlineEndpointLocation, deployment: OnlineDeploymentResource, capacity: number): Promise<OnlineDeploymentResource>;
  /** `OnlineDeployments_Delete`, followed to its end; an AppError `Forbidden` when Azure refuses it (the opt-in role is not granted). */
  deleteDeployment(workspace: OnlineEndpointLocation, deployment: OnlineDeploymentResource): Promise<void>;
}

/** One message to a resource's owner on the violations channel. */
export interface OnlineOwnerNotice {
  readonly resourceId: string;
  readonly name: string;
  readonly owner: string | undefined;
  readonly title: string;
  readonly text: string;
  /** The sweep run that sent it. */
  readonly correlationId: string;
  readonly workspaceId: string;
  readonly endpointName: string;
}

export interface OnlineEndpointDeps {
  readonly gateway: OnlineEndpointGateway;
  /** Failed-deployment notices, reminders and deletions: each once per deployment, whatever runs concurrently. */
  readonly ledger: OnceLedger;
  readonly notify?: (notice: OnlineOwnerNotice) => Promise<void>;
  /** `false`: a Failed deployment is reported only — no notice, reminder or deletion is due or claimed (a quiet run). Default `true`. */
  readonly followUps?: boolean;
}
