/**
 * The compliance sweep: every workspace in the configured subscriptions (Resource Graph), every compute
 * per workspace (ARM), each evaluated and — in enforce mode — remediated, exactly as a ResourceWriteSuccess
 * would be (`governResource`).
 *
 * Scale: subscriptions are swept in parallel (ARM throttles per subscription and principal), workspaces
 * within one with bounded concurrency, every call paced by a per-subscription token bucket that follows
 * ARM's remaining-budget headers and Retry-After. One unreadable workspace is reported; the sweep goes on.
 *
 * Progress lives in Table Storage (`SweepLedger`): an invocation that runs out of time (`budgetMs`) leaves
 * the run open and the next one resumes it — skipping finished workspaces — and the final report covers the
 * whole run.
 */
import pLimit from 'p-limit';
import { ensureError, isAppError } from '../errors.js';
import type { GovernanceDeps } from '../governance/deps.js';
import { governResource, type GovernOptions, type GovernResult } from '../governance/governResource.js';
import { sendNotification, type NotificationDeps } from '../notifications/sendNotification.js';
import { describePatch, isEmptyPatch } from '../policy/evaluate.js';
import { channelFor } from '../policy/notificationRoutes.js';
import type { Mode, Policy } from '../policy/policySchema.js';
import type { WorkspaceResource } from '../policy/resources.js';
import type { Log } from '../shared/log.js';
import type { Telemetry } from '../shared/telemetry.js';
import type { SweepLedger, SweepReportStore, WorkspaceInventory } from './ports.js';
import { buildSweepReport, emptyCounts, sweepNotification, type ReportLine, type SweepReport, type WorkspaceSweepResult } from './sweepReport.js';

/** Everything a sweep runs with; `composition.ts` builds it. */
export interface SweepDeps extends NotificationDeps {
  readonly policy: Policy;
  readonly inventory: WorkspaceInventory;
  readonly ledger: SweepLedger;
  readonly reports: SweepReportStore;
  readonly telemetry: Telemetry;
  /** Governance for one sweep run: its ARM calls paced per subscription (ARM's token bucket) for the whole run. */
  governanceForRun(): GovernanceDeps;
}

/** Which runs may resume one another: same subscriptions, same mode. */
export function sweepRunKey(subscriptions: readonly string[], mode: string): string {
  return `${mode}|${[...subscriptions].map((s) => s.toLowerCase()).sort().join(',')}`.slice(0, 30_000);
}

export interface SweepProgress {
  readonly workspacesDone: number;
  /** Known once Resource Graph has answered its last page. */
  readonly workspacesTotal: number | undefined;
  readonly resources: number;
}

export interface SweepOptions {
  /** Default: the policy's `scope.subscriptions`. */
  readonly subscriptions?: readonly string[];
  /** Overrides every rule's mode: `audit` writes nothing, `enforce` writes every fixable finding. */
  readonly modeOverride?: Mode | undefined;
  /** What enforce mode would change; writes nothing, stores nothing. */
  readonly whatIf?: boolean;
  /** Workspaces in flight per subscription. Default 8. */
  readonly concurrencyPerSubscription?: number;
  /** Stop starting workspaces after this long; the run stays open and the next sweep resumes it. */
  readonly budgetMs?: number;
  /** Resume an unfinished run with the same subscriptions and mode (default true). */
  readonly resume?: boolean;
  readonly onProgress?: (progress: SweepProgress) => void;
  /** Send the summary to the violations channel (default true, never for what-if). */
  readonly notify?: boolean;
}

export interface SweepOutcome {
  readonly workspacesScanned: number;
  readonly computesScanned: number;
  readonly report?: SweepReport;
}

/** The timer's and the CLI's entry: the policy's subscriptions (or the given ones), swept; nothing when there are none. */
export async function runSweep(deps: SweepDeps, log: Log, options: SweepOptions = {}): Promise<SweepOutcome> {
  const subscriptions = options.subscriptions ?? deps.policy.scope.subscriptions;
  if (subscriptions.length === 0) {
    log.info('Compliance sweep: sweep not configured: scope.subscriptions is empty; nothing was scanned');
    return { workspacesScanned: 0, computesScanned: 0 };
  }
  const report = await sweep(deps, log, { ...options, subscriptions });
  // Every workspace read counts itself among the resources; an unreadable one counts nothing.
  const workspacesRead = report.workspaces - report.problems.length;
  return { workspacesScanned: report.workspaces, computesScanned: report.totals.resources - workspacesRead, report };
}

/** Sweeps, stores the report (not for what-if), records metrics and notifies. */
export async function sweep(sweepDeps: SweepDeps, log: Log, options: SweepOptions & { readonly subscriptions: readonly string[] }): Promise<SweepReport> {
  const whatIf = options.whatIf ?? false;
  const modeOverride: Mode | undefined = whatIf ? 'enforce' : options.modeOverride;
  const mode = modeOverride ?? 'policy';
  const deps = withResourceGroupCache(sweepDeps.governanceForRun());
  const startedAt = new Date();
  const started = performance.now();
  const ledger = whatIf ? undefined : sweepDeps.ledger;
  const opened = ledger ? await ledger.open(sweepRunKey(options.subscriptions, mode), startedAt, options.resume ?? true) : undefined;
  const runId = opened?.run.runId ?? `what-if-${startedAt.toISOString()}`;
  if (opened && opened.done.size > 0) log.info(`Compliance sweep: resuming ${runId}; ${opened.done.size} workspace(s) already done`);

  const governOptions: GovernOptions = { source: 'sweep', correlationId: runId, modeOverride, dryRun: whatIf };
  const results: WorkspaceSweepResult[] = [...(opened?.done.values() ?? [])];
  const limits = new Map<string, ReturnType<typeof pLimit>>();
  const pending: Promise<void>[] = [];
  let total = 0;
  let resources = results.reduce((sum, result) => sum + result.counts.resources, 0);
  let finished = results.length;
  let skipped = 0;
  let listingDone = false;
  const report = () => options.onProgress?.({ workspacesDone: finished, workspacesTotal: listingDone ? total : undefined, resources });

  for await (const page of sweepDeps.inventory.list(options.subscriptions)) {
    for (const problem of page.unreadable) log.warn(`Compliance sweep: Resource Graph row ${problem.id} skipped: ${problem.problem}`);
    for (const workspace of page.workspaces) {
      total += 1;
      if (opened?.done.has(workspace.id.toLowerCase())) continue;
      const key = workspace.subscriptionId.toLowerCase();
      let limit = limits.get(key);
      if (limit === undefined) {
        limit = pLimit(options.concurrencyPerSubscription ?? 8);
        limits.set(key, limit);
      }
      pending.push(
        limit(async () => {
          if (options.budgetMs !== undefined && performance.now() - started > options.budgetMs) {
            skipped += 1;
            return;
          }
          const result = await sweepWorkspace(workspace, deps, governOptions, log);
          // A workspace that failed transiently is left unrecorded, so a resumed run tries it again.
          if (result.status !== 'failed') await ledger?.record(runId, result, new Date());
          results.push(result);
          finished += 1;
          resources += result.counts.resources;
          report();
        }),
      );
    }
  }
  listingDone = true;
  report();
  await Promise.all(pending);

  const status = skipped > 0 ? 'Partial' : 'Completed';
  const sweepReport = buildSweepReport(
    { runId, mode, whatIf, status, startedAt: opened?.run.startedAt ?? startedAt.toISOString(), finishedAt: new Date().toISOString(), subscriptions: options.subscriptions },
    results,
  );
  if (status === 'Partial') log.warn(`Compliance sweep ${runId}: time budget used up with ${skipped} workspace(s) left; the next sweep resumes it`);
  if (!whatIf) {
    await sweepDeps.reports.save(sweepReport);
    if (status === 'Completed' && opened) await ledger?.complete(opened.run);
    trackMetrics(sweepDeps.telemetry, sweepReport, performance.now() - started);
    if (status === 'Completed' && (options.notify ?? true)) await notify(sweepDeps, sweepReport, log);
  }
  log.info(
    `Compliance sweep ${runId}: ${sweepReport.workspaces} workspace(s), ${sweepReport.totals.resources} resource(s), compliance ${(sweepReport.complianceRate * 100).toFixed(1)}%, ${sweepReport.totals.remediated} remediated, ${sweepReport.problems.length} unreadable`,
  );
  return sweepReport;
}

/** A workspace and its computes. A 403/404 (or trouble that outlasts the retries) makes it a reported problem, not a failed sweep. */
async function sweepWorkspace(row: WorkspaceResource, deps: GovernanceDeps, options: GovernOptions, log: Log): Promise<WorkspaceSweepResult> {
  const counts = emptyCounts();
  const byRule: Record<string, number> = {};
  const lines: ReportLine[] = [];
  const add = (result: GovernResult) => {
    counts.resources += 1;
    counts[result.outcome] += 1;
    for (const finding of result.findings) if (result.outcome !== 'exempt') byRule[finding.rule] = (byRule[finding.rule] ?? 0) + 1;
    if (result.outcome === 'compliant' || result.outcome === 'outOfScope' || result.outcome === 'exempt') return;
    lines.push({
      resourceId: result.resourceId,
      resourceType: result.resourceType,
      name: result.name,
      workspaceName: result.workspaceName,
      subscriptionId: result.subscriptionId,
      owner: result.owner,
      outcome: result.outcome,
      rules: [...new Set(result.findings.map((finding) => finding.rule))],
      change: isEmptyPatch(result.patch) ? undefined : describePatch(result.patch),
      note: result.note,
    });
  };
  const base = { workspaceId: row.id, workspaceName: row.workspaceName, subscriptionId: row.subscriptionId };
  try {
    // The Resource Graph row is enough to judge; a write is decided on a fresh read.
    let workspace = row;
    const preview = await governResource(row, undefined, deps, { ...options, dryRun: true });
    if (preview.outcome === 'wouldChange' && !options.dryRun) workspace = await deps.arm.readWorkspace(row);
    add(options.dryRun ? preview : await governResource(workspace, undefined, deps, options));
    for (const compute of await deps.arm.listComputes(row)) add(await governResource(compute, workspace, deps, options));
    return { ...base, status: 'done', counts, byRule, lines };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const status = isAppError(error) && (error.code === 'NotFound' || error.code === 'Forbidden') ? 'unreadable' : 'failed';
    log.warn(`Compliance sweep: workspace ${row.id} ${status}: ${message}`);
    // What was seen of it before the failure is left out: the workspace as a whole is the problem reported.
    return { ...base, status, error: message, counts: emptyCounts(), byRule: {}, lines: [] };
  }
}

/** Resource-group tags read once per group per sweep. */
function withResourceGroupCache(deps: GovernanceDeps): GovernanceDeps {
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

function trackMetrics(telemetry: Telemetry, report: SweepReport, durationMs: number): void {
  const properties = { runId: report.runId, mode: report.mode };
  telemetry.trackMetric('ComplianceRate', report.complianceRate * 100, properties);
  for (const [rule, count] of Object.entries(report.violationsByRule)) telemetry.trackMetric('PolicyViolations', count, { ...properties, rule });
  for (const [owner, count] of Object.entries(report.violationsByOwner)) telemetry.trackMetric('PolicyViolationsByOwner', count, { ...properties, owner });
  telemetry.trackEvent('ComplianceSweepCompleted', { ...properties, status: report.status }, {
    workspaces: report.workspaces,
    resources: report.totals.resources,
    remediated: report.totals.remediated,
    unreadable: report.problems.length,
    durationMs,
  });
}

async function notify(deps: SweepDeps, report: SweepReport, log: Log): Promise<void> {
  const channel = channelFor('violations', deps.policy);
  if (channel === undefined) return;
  try {
    await sendNotification(deps, log, channel, 'sweep', sweepNotification(report));
  } catch (error) {
    // The report is stored; a channel that is down must not fail (and so repeat) the sweep.
    log.warn(`Compliance sweep: could not notify channel '${channel}': ${ensureError(error).message}`);
  }
}
