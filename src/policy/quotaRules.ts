/**
 * `quota:` in the policy — how full Azure ML's compute quota may get before the platform team hears of it — and
 * the utilization the sweep computes from `Usages_List` and `Quotas_List` (azure-rest-api-specs
 * `Microsoft.MachineLearningServices/stable/2024-04-01/machineLearningServices.json`, definitions `Usage`,
 * `ResourceQuota`). Audit only: quota is raised by a support request, not by anything this app could write.
 *
 * Exemptions do not apply: quota belongs to a subscription and region (and a workspace's share of it), not to a
 * resource that carries an owner's tags, so there is nothing to exempt — narrow `families` instead.
 */
import * as z from 'zod';
import { firstMatchingGlob } from './glob.js';

const percentage = z
  .number({ error: 'expected a percentage' })
  .gt(0, { error: 'expected a percentage above 0' })
  .max(100, { error: 'expected a percentage of at most 100' });

const familyPatterns = z
  .array(z.string({ error: 'expected a VM family pattern' }).min(1, { error: 'expected a VM family pattern' }), { error: 'expected a list of VM family patterns' })
  .min(1, { error: 'expected at least one VM family pattern' })
  .describe('VM family quota names, e.g. Standard_NC*_Family_Cluster_Dedicated_vCPUs; * and ? globs, case-insensitive.');

export const quotaSchema = z
  .strictObject({
    utilizationThreshold: percentage.default(80).describe('Notify when a family uses at least this percentage of its limit. Default 80.'),
    families: familyPatterns.optional().describe('Only these VM families are judged. Absent: all.'),
    thresholds: z
      .array(z.strictObject({ families: familyPatterns, utilizationThreshold: percentage }), { error: 'expected a list of per-family thresholds' })
      .default([])
      .describe('Per-family thresholds; the first whose families match wins over utilizationThreshold.'),
    channel: z
      .string({ error: 'expected a channel name' })
      .min(1, { error: 'expected a channel name' })
      .optional()
      .describe('A channel named in notifications.channels for the once-per-run quota notice. Absent: the violations channel.'),
  })
  .describe('Compute quota per subscription, region and VM family, read by the sweep (audit only).');

export type QuotaRules = z.output<typeof quotaSchema>;

/** One `Usage` (or `ResourceQuota`) entry as the adapter reads it: only what utilization needs. */
export interface QuotaEntry {
  /** ARM's `id`: `/subscriptions/…/usages/<family>` or `…/workspaces/<name>/usages/<family>`. */
  readonly id: string;
  /** ARM's `type`, which says the level: `…/vmFamily/usages`, `…/workspaces/usages`, `…/workspaces/quotas`. */
  readonly type: string;
  /** `name.localizedValue` (or `name.value`). */
  readonly displayName: string | undefined;
  readonly currentValue: number | undefined;
  /** `-1` is Azure's "no limit" (the low-priority family entries of the spec's `examples/Usage/list.json`). */
  readonly limit: number | undefined;
}

/** What one subscription and location answered. */
export interface LocationQuota {
  readonly subscriptionId: string;
  readonly location: string;
  readonly usages: readonly QuotaEntry[];
  readonly quotas: readonly QuotaEntry[];
}

export interface QuotaUtilization {
  readonly subscriptionId: string;
  readonly location: string;
  /** `subscription`: the family's regional limit; `workspace`: the workspace's share of it. */
  readonly level: 'subscription' | 'workspace';
  readonly workspaceName?: string | undefined;
  /** The family's quota name, e.g. `Standard_DSv2_Family_Cluster_Dedicated_vCPUs`. */
  readonly family: string;
  readonly displayName: string;
  readonly current: number;
  /** `null`: no limit. */
  readonly limit: number | null;
  /** `current / limit` as a percentage, one decimal; `null` when there is no limit. A zero limit with use is 100. */
  readonly percent: number | null;
  readonly threshold: number;
  readonly overThreshold: boolean;
}

const FAMILY_USAGE = /\/vmfamily\/usages$/i;
const WORKSPACE_USAGE = /\/workspaces?\/usages$/i;
const WORKSPACE_QUOTA = /\/workspaces?\/quotas$/i;
const WORKSPACE_IN_ID = /\/workspaces\/([^/]+)\/(?:usages|quotas)\/([^/]+)$/i;

/** The family segment of a usage or quota id. */
function familyOf(id: string): string {
  return id.slice(id.lastIndexOf('/') + 1);
}

/** The threshold that applies to a family, or `undefined` when the policy does not judge it. */
export function thresholdFor(rules: QuotaRules, family: string): number | undefined {
  if (rules.families !== undefined && firstMatchingGlob(rules.families, family) === undefined) return undefined;
  return rules.thresholds.find((entry) => firstMatchingGlob(entry.families, family) !== undefined)?.utilizationThreshold ?? rules.utilizationThreshold;
}

/** `current / limit` in percent (one decimal); `null` for no limit (`-1` or absent). */
export function utilizationPercent(current: number, limit: number | undefined): number | null {
  if (limit === undefined || limit < 0) return null;
  if (limit === 0) return current > 0 ? 100 : 0;
  return Math.round((current / limit) * 1000) / 10;
}

/**
 * Utilization per VM family at subscription level (`vmFamily/usages`) and per workspace (`workspaces/usages`;
 * the spec's example also spells it `workspace/usages`), the workspace's limit taken from `Quotas_List` where it
 * names one. Regional totals and per-compute entries are left out: families are what quota is requested by.
 */
export function quotaUtilizations(answer: LocationQuota, rules: QuotaRules): QuotaUtilization[] {
  const workspaceLimits = new Map<string, number>();
  for (const quota of answer.quotas) {
    const match = WORKSPACE_QUOTA.test(quota.type) ? WORKSPACE_IN_ID.exec(quota.id) : null;
    if (match && quota.limit !== undefined) workspaceLimits.set(`${match[1]}|${match[2]}`.toLowerCase(), quota.limit);
  }
  const utilizations: QuotaUtilization[] = [];
  for (const usage of answer.usages) {
    const workspace = WORKSPACE_USAGE.test(usage.type) ? WORKSPACE_IN_ID.exec(usage.id) : null;
    if (!FAMILY_USAGE.test(usage.type) && workspace === null) continue;
    const family = familyOf(usage.id);
    const threshold = thresholdFor(rules, family);
    if (threshold === undefined) continue;
    const current = usage.currentValue ?? 0;
    const limit = workspace ? (workspaceLimits.get(`${workspace[1]}|${family}`.toLowerCase()) ?? usage.limit) : usage.limit;
    const percent = utilizationPercent(current, limit);
    utilizations.push({
      subscriptionId: answer.subscriptionId,
      location: answer.location,
      level: workspace ? 'workspace' : 'subscription',
      ...(workspace ? { workspaceName: workspace[1] } : {}),
      family,
      displayName: usage.displayName ?? family,
      current,
      limit: limit === undefined || limit < 0 ? null : limit,
      percent,
      threshold,
      overThreshold: percent !== null && percent >= threshold,
    });
  }
  return utilizations.sort(
    (a, b) =>
      a.subscriptionId.localeCompare(b.subscriptionId) ||
      a.location.localeCompare(b.location) ||
      a.family.localeCompare(b.family) ||
      (a.workspaceName ?? '').localeCompare(b.workspaceName ?? ''),
  );
}
