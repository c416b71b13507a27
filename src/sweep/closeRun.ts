/**
 * The end of a sweep run: once every subscription's slice is done, the report is folded from the recorded
 * workspace results and stored (unless the run was planned not to be), and the run is closed. Storing is idempotent (one report row per run); closing
 * is conditional, so when two slices finish together both may store the report but only one records the
 * metrics and sends the summary.
 */
import { ensureError } from '../errors.js';
import { sendNotification } from '../notifications/sendNotification.js';
import { channelFor } from '../policy/notificationRoutes.js';
import type { Log } from '../shared/log.js';
import type { Telemetry } from '../shared/telemetry.js';
import type { SweepDeps } from './deps.js';
import type { SweepRun } from './ports.js';
import { notifyQuota, readRunQuota, withQuota } from './quotaSweep.js';
import { buildSweepReport, emptyCounts, percent, sweepNotification, type SweepReport, type WorkspaceSweepResult } from './sweepReport.js';

/** Which runs are the same sweep: same subscriptions, same mode. */
export function sweepRunKey(subscriptions: readonly string[], mode: string): string {
  return `${mode}|${[...subscriptions].map((s) => s.toLowerCase()).sort().join(',')}`.slice(0, 30_000);
}

/** A subscription that could not be swept, as a result of its own (the report lists it with the workspaces not swept). */
export function subscriptionProblem(subscriptionId: string, status: 'unreadable' | 'failed', error: string): WorkspaceSweepResult {
  return { workspaceId: `/subscriptions/${subscriptionId}`, workspaceName: `(subscription ${subscriptionId})`, subscriptionId, status, error, counts: emptyCounts(), byRule: {}, lines: [] };
}

/** The run's report, folded from the workspace results recorded in the ledger. */
export async function reportOfRun(deps: Pick<SweepDeps, 'ledger'>, run: SweepRun, finishedAt: Date): Promise<SweepReport> {
  const results = await deps.ledger.results(run);
  return buildSweepReport(
    { runId: run.runId, mode: run.mode, whatIf: false, status: 'Completed', startedAt: run.startedAt, finishedAt: finishedAt.toISOString(), subscriptions: run.subscriptions },
    [...results.values()].sort((a, b) => a.workspaceId.localeCompare(b.workspaceId)),
  );
}

/** Closes the run when no slice is left running; the report when this call closed it. */
export async function closeRunIfDone(deps: SweepDeps, log: Log, run: SweepRun): Promise<SweepReport | undefined> {
  if (run.status === 'Completed') return undefined;
  const slices = await deps.ledger.slices(run);
  if (slices.some((slice) => slice.status !== 'Done')) return undefined;
  const finishedAt = deps.now();
  const report = withQuota(await reportOfRun(deps, run, finishedAt), await readRunQuota(deps, log, run));
  if (run.store) await deps.reports.save(report);
  if (!(await deps.ledger.complete(run, finishedAt))) return undefined;
  trackMetrics(deps.telemetry, report, Date.parse(report.finishedAt) - Date.parse(run.startedAt));
  // Metrics leave with the exporter's next interval (60 s): an instance recycled after this invocation would lose them.
  await deps.telemetry.flush();
  log.info(
    `Compliance sweep ${run.runId}: ${report.workspaces} workspace(s), ${report.totals.resources} resource(s), compliance ${percent(report.complianceRate)}, ${report.totals.remediated} remediated, ${report.problems.length} unreadable or failed`,
  );
  if (run.notify) await notify(deps, report, log);
  if (run.notify) await notifyQuota(deps, log, report.runId, report.quota);
  return report;
}

function trackMetrics(telemetry: Telemetry, report: SweepReport, durationMs: number): void {
  const properties = { runId: report.runId, mode: report.mode };
  // Nothing evaluated is no rate at all, not 100%: the metric is left out rather than lie on the chart.
  if (report.complianceRate !== null) telemetry.trackMetric('ComplianceRate', report.complianceRate * 100, properties);
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
    // The report is stored and the run closed; a channel that is down must not fail (and so repeat) the slice.
    log.warn(`Compliance sweep: could not notify channel '${channel}': ${ensureError(error).message}`);
  }
}
