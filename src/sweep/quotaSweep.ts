/**
 * Quota in the compliance sweep: once per run, for each subscription and each region its swept workspaces are in,
 * `Usages_List` and `Quotas_List` are read (two ARM list calls, more only when ARM pages them), folded into
 * utilization per VM family (`policy/quotaRules.ts`), kept in the run's report and — when a family is at or over
 * its threshold — sent once to the platform team's channel by whichever slice closes the run.
 */
import { ensureError } from '../errors.js';
import type { Notification } from '../notifications/ports.js';
import { sendNotification, type NotificationDeps } from '../notifications/sendNotification.js';
import { channelFor } from '../policy/notificationRoutes.js';
import type { Policy } from '../policy/policySchema.js';
import { quotaUtilizations, type QuotaUtilization } from '../policy/quotaRules.js';
import type { WorkspaceResource } from '../policy/resources.js';
import type { Log } from '../shared/log.js';
import type { SweepLedger, SweepReportStore, SweepRun } from './ports.js';
import type { QuotaReader, QuotaSection } from './quota/ports.js';

export type { QuotaReader, QuotaSection } from './quota/ports.js';

export interface QuotaSweepDeps {
  readonly policy: Policy;
  readonly quota?: QuotaReader | undefined;
}

/** Each subscription's regions, from the workspaces swept there (lower-cased, deduplicated, sorted). */
export function regionsOf(workspaces: readonly WorkspaceResource[]): Map<string, string[]> {
  const regions = new Map<string, Set<string>>();
  for (const workspace of workspaces) {
    if (workspace.location === undefined || workspace.location === '') continue;
    const key = workspace.subscriptionId.toLowerCase();
    const set = regions.get(key) ?? new Set<string>();
    set.add(workspace.location.toLowerCase());
    regions.set(key, set);
  }
  return new Map([...regions].map(([subscription, set]) => [subscription, [...set].sort()]));
}

/** The quota section for these workspaces' subscriptions and regions; `undefined` when the policy has no `quota:`. */
export async function readQuota(deps: QuotaSweepDeps, log: Log, workspaces: readonly WorkspaceResource[]): Promise<QuotaSection | undefined> {
  const rules = deps.policy.quota;
  if (rules === undefined || deps.quota === undefined) return undefined;
  const reader = deps.quota;
  const reads = [...regionsOf(workspaces)].flatMap(([subscriptionId, locations]) => locations.map((location) => ({ subscriptionId, location })));
  const answers = await Promise.all(
    reads.map(async ({ subscriptionId, location }) => {
      try {
        return { utilizations: quotaUtilizations(await reader.read(subscriptionId, location), rules) };
      } catch (error) {
        const message = ensureError(error).message;
        log.warn(`Compliance sweep: could not read quota of subscription ${subscriptionId} in ${location}: ${message}`);
        return { problem: { subscriptionId, location, error: message } };
      }
    }),
  );
  return {
    utilizations: answers.flatMap((answer) => answer.utilizations ?? []),
    problems: answers.flatMap((answer) => (answer.problem === undefined ? [] : [answer.problem])),
  };
}

/** `current/limit (percent%)`, `12/∞` without a limit. */
export function utilizationText(utilization: QuotaUtilization): string {
  if (utilization.limit === null) return `${utilization.current}/no limit`;
  return `${utilization.current}/${utilization.limit} (${utilization.percent ?? 0}%)`;
}

/** Where a utilization sits: `sub/eastus` or `sub/eastus/workspace ws`. */
export function utilizationScope(utilization: QuotaUtilization): string {
  const base = `${utilization.subscriptionId}/${utilization.location}`;
  return utilization.level === 'workspace' ? `${base} workspace ${utilization.workspaceName ?? ''}` : base;
}

/** The notice for the platform team: every family at or over its threshold. `undefined` when none is. */
export function quotaNotification(section: QuotaSection, runId: string): Notification | undefined {
  const over = section.utilizations.filter((utilization) => utilization.overThreshold);
  if (over.length === 0) return undefined;
  return {
    title: `Azure ML quota: ${over.length} VM family quota(s) at or over threshold`,
    text: `Compliance sweep ${runId} found VM family quota at or over its utilization threshold. Request more quota or move work to other families or regions.`,
    severity: 'warning',
    facts: over.map((utilization) => ({ name: `${utilization.family} (${utilizationScope(utilization)})`, value: `${utilizationText(utilization)}, threshold ${utilization.threshold}%` })),
    eventId: `${runId}/quota`,
  };
}

/** Sends the quota notice once for the run (the caller is the one slice that closed it); a channel that is down is logged. */
export async function notifyQuota(deps: NotificationDeps & { readonly policy: Policy }, log: Log, runId: string, section: QuotaSection | undefined): Promise<boolean> {
  if (section === undefined) return false;
  const channel = deps.policy.quota?.channel ?? channelFor('violations', deps.policy);
  const notification = quotaNotification(section, runId);
  if (channel === undefined || notification === undefined) return false;
  try {
    await sendNotification(deps, log, channel, 'quota', notification);
    return true;
  } catch (error) {
    log.warn(`Compliance sweep: could not send the quota notice to channel '${channel}': ${ensureError(error).message}`);
    return false;
  }
}

/** The quota section of a planned run: the regions of the workspaces planned in each of its subscriptions. */
export async function readRunQuota(deps: QuotaSweepDeps & { readonly ledger: Pick<SweepLedger, 'plannedWorkspaces'> }, log: Log, run: SweepRun): Promise<QuotaSection | undefined> {
  if (deps.policy.quota === undefined || deps.quota === undefined) return undefined;
  const planned = await Promise.all(run.subscriptions.map((subscriptionId) => deps.ledger.plannedWorkspaces(run, subscriptionId)));
  return readQuota(deps, log, planned.flat());
}

/** The report with its quota section, when there is one. */
export function withQuota<R extends object>(report: R, quota: QuotaSection | undefined): R & { readonly quota?: QuotaSection } {
  return quota === undefined ? report : { ...report, quota };
}

/** A completed run's quota section: as its stored report keeps it, else read now (a run planned not to be stored). */
export async function quotaOfCompletedRun(
  deps: QuotaSweepDeps & { readonly ledger: Pick<SweepLedger, 'plannedWorkspaces'>; readonly reports: Pick<SweepReportStore, 'find'> },
  log: Log,
  run: SweepRun,
): Promise<QuotaSection | undefined> {
  if (deps.policy.quota === undefined || deps.quota === undefined) return undefined;
  const stored = run.store ? await deps.reports.find(run.runId, run.startedAt) : undefined;
  return stored?.quota ?? readRunQuota(deps, log, run);
}
