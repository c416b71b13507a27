import type { ArmResource, EmulatorState } from '../state.js';
import { COMPUTE_TYPE, RESOURCE_GROUP_TYPE, WORKSPACE_TYPE, computeId, resourceGroupId, workspaceId } from '../state.js';
import { refuse, resourceNotFound } from './armErrors.js';

/** Finds the resources a request's path names, answering ARM's 404s for whichever level is missing. */
export function requireResourceGroup(state: EmulatorState, params: Readonly<Record<string, string>>): ArmResource {
  const subscriptionId = params['subscriptionId'] ?? '';
  const group = params['resourceGroupName'] ?? '';
  if (!state.hasSubscription(subscriptionId)) refuse(404, 'SubscriptionNotFound', `The subscription '${subscriptionId}' could not be found.`);
  const found = state.get(resourceGroupId(subscriptionId, group));
  if (!found || found.type !== RESOURCE_GROUP_TYPE) return refuse(404, 'ResourceGroupNotFound', `Resource group '${group}' could not be found.`);
  return found;
}

export function requireWorkspace(state: EmulatorState, params: Readonly<Record<string, string>>): ArmResource {
  const group = requireResourceGroup(state, params);
  const name = params['workspaceName'] ?? '';
  const found = state.get(workspaceId(params['subscriptionId'] ?? '', group.name, name));
  if (!found) return resourceNotFound(WORKSPACE_TYPE, name, group.name);
  return found;
}

export function requireCompute(state: EmulatorState, params: Readonly<Record<string, string>>): ArmResource {
  const workspace = requireWorkspace(state, params);
  const name = params['computeName'] ?? '';
  const found = state.get(computeId(params['subscriptionId'] ?? '', params['resourceGroupName'] ?? '', workspace.name, name));
  if (!found) return resourceNotFound(`${COMPUTE_TYPE}`, `${workspace.name}/${name}`, params['resourceGroupName'] ?? '');
  return found;
}
