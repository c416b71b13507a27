/**
 * What the sweep's quota reading needs from outside (`QuotaReader`: Azure ML's `Usages_List` and `Quotas_List`) and
 * what it keeps in the report (`QuotaSection`, with its zod schema for the stored report and the OpenAPI document).
 */
import { z } from 'zod';
import type { LocationQuota, QuotaUtilization } from '../../policy/quotaRules.js';

/** Reads a subscription's Azure ML usages and workspace quotas in one region. */
export interface QuotaReader {
  read(subscriptionId: string, location: string): Promise<LocationQuota>;
}

export interface QuotaProblem {
  readonly subscriptionId: string;
  readonly location: string;
  readonly error: string;
}

/** The report's quota section. */
export interface QuotaSection {
  readonly utilizations: readonly QuotaUtilization[];
  /** Subscription-regions whose quota could not be read. */
  readonly problems: readonly QuotaProblem[];
}

export const quotaUtilizationSchema = z.object({
  subscriptionId: z.string(),
  location: z.string(),
  level: z.enum(['subscription', 'workspace']).meta({ description: "subscription: the family's regional limit; workspace: the workspace's share of it." }),
  workspaceName: z.string().optional(),
  family: z.string().meta({ description: 'The VM family quota name, e.g. Standard_DSv2_Family_Cluster_Dedicated_vCPUs.' }),
  displayName: z.string(),
  current: z.number().int().meta({ description: 'vCPUs in use.' }),
  limit: z.number().int().nullable().meta({ description: 'vCPUs allowed; null: no limit.' }),
  percent: z.number().nullable().meta({ description: 'current / limit in percent; null without a limit.' }),
  threshold: z.number(),
  overThreshold: z.boolean(),
});

export const quotaSectionSchema = z.object({
  utilizations: z.array(quotaUtilizationSchema),
  problems: z.array(z.object({ subscriptionId: z.string(), location: z.string(), error: z.string() })).meta({ description: 'Subscription-regions whose quota could not be read.' }),
});
