import { firstMatchingGlob } from './glob.js';
import type { Policy } from './policySchema.js';
import { includesIgnoreCase } from './tags.js';

export type ScopeDecision = { readonly inScope: true } | { readonly inScope: false; readonly reason: string };

/** Where a workspace or compute lives, as far as scope is concerned. */
export interface ScopeLocation {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly workspaceName: string;
}

/** Whether the policy governs resources in this workspace; when not, a reason a person can read. */
export function scopeOf(location: ScopeLocation, policy: Policy): ScopeDecision {
  const { subscriptions, resourceGroups, workspaces } = policy.scope;
  if (!includesIgnoreCase(subscriptions, location.subscriptionId)) {
    return {
      inScope: false,
      reason:
        subscriptions.length === 0
          ? 'scope.subscriptions is empty'
          : `subscription ${location.subscriptionId} is not in scope.subscriptions`,
    };
  }
  if (resourceGroups !== undefined && !includesIgnoreCase(resourceGroups, location.resourceGroup)) {
    return { inScope: false, reason: `resource group ${location.resourceGroup} is not in scope.resourceGroups` };
  }
  if (firstMatchingGlob(workspaces, location.workspaceName) === undefined) {
    return {
      inScope: false,
      reason: `workspace ${location.workspaceName} matches none of scope.workspaces (${workspaces.join(', ')})`,
    };
  }
  return { inScope: true };
}
