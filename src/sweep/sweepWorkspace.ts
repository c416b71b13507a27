/**
 * One workspace of a sweep and its computes, each evaluated and — in enforce mode — remediated exactly as a
 * ResourceWriteSuccess would be (`governResource`), folded into the workspace's result.
 */
import { isAppError } from '../errors.js';
import type { GovernanceDeps } from '../governance/deps.js';
import { governResource, type GovernOptions, type GovernResult } from '../governance/governResource.js';
import { describePatch, isEmptyPatch } from '../policy/evaluate.js';
import type { WorkspaceResource } from '../policy/resources.js';
import type { Log } from '../shared/log.js';
import { sweepOnlineEndpoints } from './onlineEndpointSweep.js';
import { sweepJobs } from './jobSweep.js';
import { emptyCounts, emptyFold, foldResource, reportLineOf, type WorkspaceSweepResult } from './sweepReport.js';

/** A workspace and its computes. A 403/404 makes it `unreadable`; trouble that outlasts the retries, `failed`. */
export async function sweepWorkspace(row: WorkspaceResource, deps: GovernanceDeps, options: GovernOptions, log: Log): Promise<WorkspaceSweepResult> {
  const fold = emptyFold();
  const add = (result: GovernResult) => {
    const quiet = result.outcome === 'compliant' || result.outcome === 'outOfScope' || result.outcome === 'exempt';
    foldResource(fold, result.outcome, quiet ? undefined : reportLineOf(result, isEmptyPatch(result.patch) ? undefined : describePatch(result.patch)));
  };
  const base = { workspaceId: row.id, workspaceName: row.workspaceName, subscriptionId: row.subscriptionId };
  try {
    // The Resource Graph row is enough to judge; a write is decided on a fresh read.
    let workspace = row;
    const preview = await governResource(row, undefined, deps, { ...options, dryRun: true });
    if (preview.outcome === 'wouldChange' && !options.dryRun) workspace = await deps.arm.readWorkspace(row);
    add(options.dryRun ? preview : await governResource(workspace, undefined, deps, options));
    for (const compute of await deps.arm.listComputes(row)) add(await governResource(compute, workspace, deps, options));
    if (preview.outcome !== 'outOfScope') await sweepOnlineEndpoints(workspace, deps, options, fold);
    if (preview.outcome !== 'outOfScope') await sweepJobs(workspace, deps, options, fold);
    return { ...base, status: 'done', ...fold };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const status = isAppError(error) && (error.code === 'NotFound' || error.code === 'Forbidden') ? 'unreadable' : 'failed';
    log.warn(`Compliance sweep: workspace ${row.id} ${status}: ${message}`);
    // What was seen of it before the failure is left out: the workspace as a whole is the problem reported.
    return { ...base, status, error: message, counts: emptyCounts(), byRule: {}, lines: [] };
  }
}

/** Resource-group tags read once per group while `deps` lives (a slice, a preview). */
export function withResourceGroupCache(deps: GovernanceDeps): GovernanceDeps {
  const cache = new Map<string, Promise<Readonly<Record<string, string>>>>();
  return {
    ...deps,
    resourceGroupTags: (subscriptionId, resourceGroup) => {
      const key = `${subscriptionId}/${resourceGroup}`.toLowerCase();
      let tags = cache.get(key);
      if (tags === undefined) {
        tags = deps.arm.readResourceGroupTags(subscriptionId, resourceGroup);
        tags.catch(() => cache.delete(key));
        cache.set(key, tags);
      }
      return tags;
    },
  };
}
