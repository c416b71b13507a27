/**
 * `what-if`: the sweep run in this process with every rule in enforce mode and nothing written — no ARM write,
 * no ledger, no stored report, no notification — to show exactly what enforce mode would change.
 * Subscriptions run in parallel, workspaces within one with bounded concurrency, paced by ARM's token bucket.
 */
import pLimit from 'p-limit';
import type { GovernOptions } from '../governance/governResource.js';
import type { Log } from '../shared/log.js';
import { subscriptionProblem } from './closeRun.js';
import type { SweepDeps } from './deps.js';
import { buildSweepReport, type SweepReport, type WorkspaceSweepResult } from './sweepReport.js';
import { sweepWorkspace, withResourceGroupCache } from './sweepWorkspace.js';
import { readQuota, withQuota } from './quotaSweep.js';
import type { WorkspaceResource } from '../policy/resources.js';

export interface SweepProgress {
  readonly workspacesDone: number;
  /** Known once Resource Graph has answered its last page. */
  readonly workspacesTotal: number | undefined;
  readonly resources: number;
}

export interface PreviewOptions {
  readonly subscriptions: readonly string[];
  /** Workspaces in flight per subscription. Default 8. */
  readonly concurrencyPerSubscription?: number;
  readonly onProgress?: (progress: SweepProgress) => void;
}

export async function previewSweep(sweepDeps: Pick<SweepDeps, 'inventory' | 'governance'> & Partial<Pick<SweepDeps, 'policy' | 'quota'>>, log: Log, options: PreviewOptions): Promise<SweepReport> {
  const deps = withResourceGroupCache(sweepDeps.governance);
  const startedAt = new Date();
  const runId = `what-if-${startedAt.toISOString()}`;
  const governOptions: GovernOptions = { source: 'sweep', correlationId: runId, modeOverride: 'enforce', dryRun: true };
  const results: WorkspaceSweepResult[] = [];
  const limits = new Map<string, ReturnType<typeof pLimit>>();
  const pending: Promise<void>[] = [];
  let total = 0;
  let resources = 0;
  let listingDone = false;
  // The workspaces' subscriptions and regions are where quota is read.
  const listed: WorkspaceResource[] = [];
  const report = () => options.onProgress?.({ workspacesDone: results.length, workspacesTotal: listingDone ? total : undefined, resources });

  // As a planned sweep does: a subscription Resource Graph cannot see is reported, not silently left out.
  const unreadable = await sweepDeps.inventory.unreadableSubscriptions(options.subscriptions);
  for (const problem of unreadable) results.push(subscriptionProblem(problem.subscriptionId, 'unreadable', problem.problem));
  const readable = options.subscriptions.filter((id) => !unreadable.some((problem) => problem.subscriptionId.toLowerCase() === id.toLowerCase()));
  for await (const page of readable.length === 0 ? [] : sweepDeps.inventory.list(readable)) {
    for (const problem of page.unreadable) log.warn(`Compliance sweep: Resource Graph row ${problem.id} skipped: ${problem.problem}`);
    for (const workspace of page.workspaces) {
      total += 1;
      listed.push(workspace);
      const key = workspace.subscriptionId.toLowerCase();
      let limit = limits.get(key);
      if (limit === undefined) {
        limit = pLimit(options.concurrencyPerSubscription ?? 8);
        limits.set(key, limit);
      }
      pending.push(
        limit(async () => {
          const result = await sweepWorkspace(workspace, deps, governOptions, log);
          results.push(result);
          resources += result.counts.resources;
          report();
        }),
      );
    }
  }
  listingDone = true;
  report();
  await Promise.all(pending);
  const quota = sweepDeps.policy === undefined ? undefined : await readQuota({ policy: sweepDeps.policy, quota: sweepDeps.quota }, log, listed);
  const built = buildSweepReport(
    { runId, mode: 'enforce', whatIf: true, status: 'Completed', startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), subscriptions: options.subscriptions },
    results.sort((a, b) => a.workspaceId.localeCompare(b.workspaceId)),
  );
  return withQuota(built, quota);
}
