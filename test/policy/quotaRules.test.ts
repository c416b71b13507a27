import { describe, expect, it } from 'vitest';
import { quotaUtilizations, thresholdFor, utilizationPercent, type LocationQuota, type QuotaRules } from '../../src/policy/quotaRules.js';
import { validatePolicyValue } from '../../src/policy/validatePolicy.js';
import { policyWith } from './policyTestKit.js';

const SUB = '/subscriptions/00000000-0000-0000-0000-000000000000';
const WS1 = `${SUB}/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/demo_workspace1`;

function rules(quota: Record<string, unknown> = {}): QuotaRules {
  const parsed = policyWith({ quota }).quota;
  if (parsed === undefined) throw new Error('quota did not parse');
  return parsed;
}

/** Entries as in the spec's `examples/Usage/list.json` (2024-04-01). */
const answer: LocationQuota = {
  subscriptionId: '00000000-0000-0000-0000-000000000000',
  location: 'eastus',
  usages: [
    { id: `${SUB}/usages`, type: 'Microsoft.MachineLearningServices/dedicatedCores/usages', displayName: 'Total Cluster Dedicated Regional vCPUs', currentValue: 14, limit: 24 },
    { id: `${SUB}/usages/Standard_DSv2_Family_Cluster_Dedicated_vCPUs`, type: 'Microsoft.MachineLearningServices/vmFamily/usages', displayName: 'Standard DSv2 Family Cluster Dedicated vCPUs', currentValue: 2, limit: 24 },
    { id: `${SUB}/usages/Standard_NC_Family_Cluster_Dedicated_vCPUs`, type: 'Microsoft.MachineLearningServices/vmFamily/usages', displayName: 'Standard NC Family Cluster Dedicated vCPUs', currentValue: 20, limit: 24 },
    { id: `${WS1}/usages/Standard_NC_Family_Cluster_Dedicated_vCPUs`, type: 'Microsoft.MachineLearningServices/workspace/usages', displayName: 'Standard NC Family Cluster Dedicated vCPUs', currentValue: 6, limit: 24 },
    { id: `${WS1}/computes/c1/usages/Standard_NC_Family_Cluster_Dedicated_vCPUs`, type: 'Microsoft.MachineLearningServices/workspaces/computes/usages', displayName: 'x', currentValue: 6, limit: 24 },
    { id: `${SUB}/usages/Standard_NC_Family_Cluster_LowPriority_vCPUs`, type: 'Microsoft.MachineLearningServices/vmFamily/usages', displayName: 'Standard NC Family Cluster LowPriority vCPUs', currentValue: 18, limit: -1 },
  ],
  quotas: [{ id: `${WS1}/quotas/Standard_NC_Family_Cluster_Dedicated_vCPUs`, type: 'Microsoft.MachineLearningServices/workspaces/quotas', displayName: undefined, currentValue: undefined, limit: 8 }],
};

describe('quota utilization', () => {
  it('is current over limit in percent, none without a limit, full for use under a zero limit', () => {
    expect(utilizationPercent(20, 24)).toBe(83.3);
    expect(utilizationPercent(0, 24)).toBe(0);
    expect(utilizationPercent(18, -1)).toBeNull();
    expect(utilizationPercent(3, undefined)).toBeNull();
    expect(utilizationPercent(3, 0)).toBe(100);
    expect(utilizationPercent(0, 0)).toBe(0);
  });

  it('reports each VM family at subscription and workspace level, the workspace limit from Quotas_List, and leaves regional totals and computes out', () => {
    const rows = quotaUtilizations(answer, rules());
    expect(rows.map((row) => [row.level, row.workspaceName, row.family, row.current, row.limit, row.percent, row.overThreshold])).toEqual([
      ['subscription', undefined, 'Standard_DSv2_Family_Cluster_Dedicated_vCPUs', 2, 24, 8.3, false],
      ['subscription', undefined, 'Standard_NC_Family_Cluster_Dedicated_vCPUs', 20, 24, 83.3, true],
      ['workspace', 'demo_workspace1', 'Standard_NC_Family_Cluster_Dedicated_vCPUs', 6, 8, 75, false],
      ['subscription', undefined, 'Standard_NC_Family_Cluster_LowPriority_vCPUs', 18, null, null, false],
    ]);
    expect(rows[1]).toMatchObject({ subscriptionId: answer.subscriptionId, location: 'eastus', displayName: 'Standard NC Family Cluster Dedicated vCPUs', threshold: 80 });
  });

  it('judges only the families listed, with the first matching per-family threshold', () => {
    const narrowed = rules({ utilizationThreshold: 90, families: ['Standard_NC_*'], thresholds: [{ families: ['*Dedicated*'], utilizationThreshold: 70 }] });
    expect(thresholdFor(narrowed, 'Standard_DSv2_Family_Cluster_Dedicated_vCPUs')).toBeUndefined();
    expect(thresholdFor(narrowed, 'standard_nc_family_cluster_dedicated_vcpus')).toBe(70);
    expect(thresholdFor(narrowed, 'Standard_NC_Family_Cluster_LowPriority_vCPUs')).toBe(90);
    const rows = quotaUtilizations(answer, narrowed);
    expect(rows.map((row) => [row.level, row.threshold, row.overThreshold])).toEqual([
      ['subscription', 70, true],
      ['workspace', 70, true],
      ['subscription', 90, false],
    ]);
  });

  it('refuses a threshold out of range and a channel the policy does not define, naming the field', () => {
    const base = { scope: { subscriptions: ['11111111-1111-1111-1111-111111111111'] } };
    const outOfRange = validatePolicyValue({ ...base, quota: { utilizationThreshold: 120 } });
    expect(outOfRange.valid).toBe(false);
    if (!outOfRange.valid) expect(outOfRange.problems.map((problem) => [problem.path.join('.'), problem.message])).toEqual([['quota.utilizationThreshold', 'expected a percentage of at most 100']]);
    const unknownChannel = validatePolicyValue({ ...base, quota: { channel: 'platform' } });
    expect(unknownChannel.valid).toBe(false);
    if (!unknownChannel.valid) expect(unknownChannel.problems[0]?.path).toEqual(['quota', 'channel']);
    const defaults = validatePolicyValue({ ...base, quota: {} });
    expect(defaults.valid && defaults.policy.quota).toEqual({ utilizationThreshold: 80, thresholds: [] });
  });
});
