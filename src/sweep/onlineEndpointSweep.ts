/**
 * The sweep's view of a workspace's online endpoints and deployments: governed by `governOnlineEndpoints` and folded
 * into the workspace's counts and report lines like its computes. Calls added per workspace: one
 * `OnlineEndpoints_List`, one `OnlineDeployments_List` per endpoint (more pages only past ARM's page size), and in
 * enforce mode one `OnlineDeployments_Update` plus its polls and a read-back per over-cap deployment.
 */
import type { GovernanceDeps } from '../governance/deps.js';
import type { GovernOptions } from '../governance/governResource.js';
import { governOnlineEndpoints } from '../onlineEndpoints/governOnlineEndpoints.js';
import type { WorkspaceResource } from '../policy/resources.js';
import { tagValueOf } from '../policy/tags.js';
import { foldResource, reportLineOf, type WorkspaceFold } from './sweepReport.js';

export async function sweepOnlineEndpoints(
  workspace: WorkspaceResource,
  deps: GovernanceDeps,
  options: GovernOptions,
  fold: WorkspaceFold,
): Promise<void> {
  if (deps.onlineEndpoints === undefined || deps.policy.onlineEndpoints === undefined) return;
  const results = await governOnlineEndpoints(
    { subscriptionId: workspace.subscriptionId, resourceGroup: workspace.resourceGroup, workspaceName: workspace.workspaceName, owner: tagValueOf(workspace.tags, 'owner'), tags: workspace.tags },
    deps.policy,
    deps.onlineEndpoints,
    deps.audit,
    deps.now,
    { correlationId: options.correlationId, modeOverride: options.modeOverride, dryRun: options.dryRun ?? false },
  );
  for (const result of results) foldResource(fold, result.outcome, result.outcome === 'exempt' || result.outcome === 'compliant' ? undefined : reportLineOf(result, result.change));
}

/** A run that notifies nobody (the CLI without `--notify`) leaves failed deployments' notices, reminders and deletions to one that does. */
export function withOnlineFollowUps(deps: GovernanceDeps, notify: boolean): GovernanceDeps {
  if (notify || deps.onlineEndpoints === undefined) return deps;
  return { ...deps, onlineEndpoints: { ...deps.onlineEndpoints, followUps: false } };
}
