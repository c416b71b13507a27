import type { Mode, Policy } from './policySchema.js';

/**
 * What /api/health shows about the policy: its shape and its warnings, no secret names, URLs or ids.
 * The global mode is left to the caller, which shows it next to the policy's source.
 */
export interface PolicySummary {
  readonly version: number;
  readonly scope: {
    readonly subscriptions: number;
    readonly resourceGroups: number | 'all';
    readonly workspaces: readonly string[];
    readonly environmentTag: string;
    readonly environments: readonly string[];
  };
  readonly requiredTags: readonly string[];
  readonly scaling: {
    readonly clusters: {
      readonly mode: Mode;
      readonly minNodeCount: number;
      readonly maxIdleTimeBeforeScaleDown: string;
      readonly maxNodeCount: number | null;
      readonly allowedVmSizes: number | 'any';
      readonly allowLowPriority: boolean;
      readonly remoteLoginPortPublicAccess: string;
    };
    readonly instances: {
      readonly mode: Mode;
      readonly maxIdleTimeBeforeShutdown: string | null;
      readonly minIdleTimeBeforeShutdown: string | null;
      readonly requiredStopSchedule: boolean;
    };
  };
  /** null: jobs are not read. */
  readonly jobs: { readonly mode: Mode; readonly action: 'report' | 'cancel' } | null;
  /** null: online endpoints are not read. */
  readonly onlineEndpoints: { readonly mode: Mode; readonly deletesFailedDeployments: boolean } | null;
  /** null: quota is not read. */
  readonly quota: { readonly utilizationThreshold: number } | null;
  /** How many model monitoring rules start retraining on a fired alert. */
  readonly modelMonitoringRules: number;
  readonly exemptionTag: string;
  readonly cd: { readonly targets: readonly { readonly name: string; readonly kind: string }[]; readonly rules: number };
  readonly notifications: { readonly channels: readonly { readonly name: string; readonly kind: string }[] };
  readonly driftRetrain: boolean;
  readonly computeRequests: { readonly expiresAfter: string };
  /** Configurations that are valid but probably not what was meant. */
  readonly warnings: readonly string[];
}

export function summarizePolicy(policy: Policy): PolicySummary {
  const { clusters, instances } = policy.scaling;
  return {
    version: policy.version,
    scope: {
      subscriptions: policy.scope.subscriptions.length,
      resourceGroups: policy.scope.resourceGroups?.length ?? 'all',
      workspaces: policy.scope.workspaces,
      environmentTag: policy.scope.environmentTag,
      environments: Object.keys(policy.scope.overrides),
    },
    requiredTags: policy.requiredTags.map((rule) => rule.name),
    scaling: {
      clusters: {
        mode: clusters.mode ?? policy.mode,
        minNodeCount: clusters.minNodeCount,
        maxIdleTimeBeforeScaleDown: clusters.maxIdleTimeBeforeScaleDown,
        maxNodeCount: clusters.maxNodeCount ?? null,
        allowedVmSizes: clusters.allowedVmSizes?.length ?? 'any',
        allowLowPriority: clusters.allowLowPriority,
        remoteLoginPortPublicAccess: clusters.remoteLoginPortPublicAccess,
      },
      instances: {
        mode: instances.mode ?? policy.mode,
        maxIdleTimeBeforeShutdown: instances.maxIdleTimeBeforeShutdown ?? null,
        minIdleTimeBeforeShutdown: instances.minIdleTimeBeforeShutdown ?? null,
        requiredStopSchedule: instances.requiredStopSchedule !== undefined,
      },
    },
    jobs: policy.jobs === undefined ? null : { mode: policy.jobs.mode ?? policy.mode, action: policy.jobs.action },
    onlineEndpoints:
      policy.onlineEndpoints === undefined
        ? null
        : { mode: policy.onlineEndpoints.mode ?? policy.mode, deletesFailedDeployments: policy.onlineEndpoints.failedDeployments.delete !== undefined },
    quota: policy.quota === undefined ? null : { utilizationThreshold: policy.quota.utilizationThreshold },
    modelMonitoringRules: policy.modelMonitoring?.rules.length ?? 0,
    exemptionTag: policy.exemptions.tag,
    cd: {
      targets: Object.entries(policy.cd.targets).map(([name, target]) => ({ name, kind: target.kind })),
      rules: policy.cd.rules.length,
    },
    notifications: {
      channels: Object.entries(policy.notifications.channels).map(([name, channel]) => ({ name, kind: channel.kind })),
    },
    driftRetrain: policy.driftRetrain?.enabled ?? false,
    computeRequests: { expiresAfter: policy.computeRequests.expiresAfter },
    warnings: policyWarnings(policy),
  };
}

function policyWarnings(policy: Policy): string[] {
  const warnings: string[] = [];
  if (policy.scope.subscriptions.length === 0) warnings.push('scope.subscriptions is empty: no resource is governed');
  if (policy.cd.rules.length === 0) warnings.push('cd.rules is empty: no model CD is started');
  if (Object.keys(policy.notifications.channels).length === 0) warnings.push('notifications.channels is empty: nobody is notified');
  else if (policy.notifications.violations === undefined) warnings.push('notifications.violations has no channel: findings are only logged');
  if (policy.notifications.approvals === undefined) warnings.push('notifications.approvals has no channel: approvers are not told of requests');
  return warnings;
}
