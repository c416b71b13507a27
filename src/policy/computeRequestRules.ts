import { durationMs } from './duration.js';
import { effectiveRules, environmentOf, type EffectiveRules } from './effectiveRules.js';
import type { Policy } from './policySchema.js';
import type { WorkspaceResource } from './resources.js';
import { scopeOf } from './scope.js';
import { inheritedTagValue } from './tagInheritance.js';
import { includesIgnoreCase } from './tags.js';

/**
 * Compute requests: what a request may ask for, and the policy-compliant cluster to create once it
 * is approved. The new cluster belongs to the workspace's environment, so that environment's
 * overrides apply.
 */

export const vmPriorities = ['Dedicated', 'LowPriority'] as const;
export type VmPriority = (typeof vmPriorities)[number];

export interface ComputeRequestInput {
  readonly workspace: WorkspaceResource;
  readonly computeName: string;
  readonly vmSize: string;
  readonly maxNodeCount: number;
  readonly minNodeCount?: number | undefined;
  readonly vmPriority?: string | undefined;
}

export interface ComputeRequestViolation {
  /** The policy rule, e.g. `computeRequests.allowedVmSizes`. */
  readonly rule: string;
  /** The request field it concerns, e.g. `vmSize`. */
  readonly field: keyof ComputeRequestInput;
  readonly message: string;
}

/** The limits a request in this workspace is held to, after environment overrides and fallbacks to scaling. */
export interface ComputeRequestLimits {
  readonly environment: string | undefined;
  readonly allowedVmSizes: readonly string[] | undefined;
  readonly maxNodeCount: number | undefined;
  readonly allowLowPriority: boolean;
  readonly minNodeCount: number;
  readonly idleTimeBeforeScaleDown: string;
  readonly expiresAfter: string;
}

/** The body to PUT for the new AmlCompute (the shape `@azure/arm-machinelearning`'s `ComputeResource` takes). */
export interface ComputeSpec {
  readonly location: string | undefined;
  readonly tags: Readonly<Record<string, string>>;
  readonly properties: {
    readonly computeType: 'AmlCompute';
    readonly properties: {
      readonly vmSize: string;
      readonly vmPriority: VmPriority;
      readonly scaleSettings: {
        readonly minNodeCount: number;
        readonly maxNodeCount: number;
        readonly nodeIdleTimeBeforeScaleDown: string;
      };
      readonly remoteLoginPortPublicAccess: 'Disabled';
    };
  };
}

const computeNamePattern = /^[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$/;

/** Azure ML compute names: 3–24 letters, digits and hyphens, starting with a letter, not ending with a hyphen. */
export function isValidComputeName(name: string): boolean {
  return computeNamePattern.test(name);
}

export function computeRequestLimits(workspace: WorkspaceResource, policy: Policy): ComputeRequestLimits {
  return requestLimitsOf(rulesFor(workspace, policy));
}

/** The limits of one environment's rules: `computeRequests` where it says, else what the cluster rules allow. */
export function requestLimitsOf(rules: EffectiveRules): ComputeRequestLimits {
  const { clusters } = rules.scaling;
  const requests = rules.computeRequests;
  return {
    environment: rules.environment,
    allowedVmSizes: requests.allowedVmSizes ?? clusters.allowedVmSizes,
    maxNodeCount: requests.maxNodeCount ?? clusters.maxNodeCount,
    allowLowPriority: requests.allowLowPriority ?? clusters.allowLowPriority,
    minNodeCount: clusters.minNodeCount,
    idleTimeBeforeScaleDown: clusters.maxIdleTimeBeforeScaleDown,
    expiresAfter: requests.expiresAfter,
  };
}

/** When a request made at `requestedAt` stops being approvable. */
export function computeRequestExpiry(requestedAt: Date, workspace: WorkspaceResource, policy: Policy): Date {
  return new Date(requestedAt.getTime() + durationMs(computeRequestLimits(workspace, policy).expiresAfter));
}

/** Everything wrong with a request, in field order; empty when it may go to an approver. */
export function checkComputeRequest(request: ComputeRequestInput, policy: Policy): ComputeRequestViolation[] {
  const violations: ComputeRequestViolation[] = [];
  const limits = computeRequestLimits(request.workspace, policy);

  const scope = scopeOf(request.workspace, policy);
  if (!scope.inScope) {
    violations.push({ rule: 'scope', field: 'workspace', message: `the workspace is not governed by the policy: ${scope.reason}` });
  }
  if (!isValidComputeName(request.computeName)) {
    violations.push({
      rule: 'computeName',
      field: 'computeName',
      message: `'${request.computeName}' is not a valid compute name: 3–24 letters, digits and hyphens, starting with a letter and not ending with a hyphen`,
    });
  }
  if (limits.allowedVmSizes && !includesIgnoreCase(limits.allowedVmSizes, request.vmSize)) {
    violations.push({
      rule: 'computeRequests.allowedVmSizes',
      field: 'vmSize',
      message: `VM size ${request.vmSize} is not allowed; allowed: ${limits.allowedVmSizes.join(', ')}`,
    });
  }
  if (!Number.isInteger(request.maxNodeCount) || request.maxNodeCount < 1) {
    violations.push({ rule: 'maxNodeCount', field: 'maxNodeCount', message: 'maxNodeCount must be a whole number ≥ 1' });
  } else if (limits.maxNodeCount !== undefined && request.maxNodeCount > limits.maxNodeCount) {
    violations.push({
      rule: 'computeRequests.maxNodeCount',
      field: 'maxNodeCount',
      message: `maxNodeCount ${request.maxNodeCount} is above the limit of ${limits.maxNodeCount}`,
    });
  }
  if (request.minNodeCount !== undefined && request.minNodeCount !== limits.minNodeCount) {
    violations.push({
      rule: 'scaling.clusters.minNodeCount',
      field: 'minNodeCount',
      message: `minNodeCount must be ${limits.minNodeCount}${limits.minNodeCount === 0 ? ' (clusters scale to zero)' : ''}`,
    });
  }
  const priority = normalizePriority(request.vmPriority);
  if (priority === undefined) {
    violations.push({ rule: 'vmPriority', field: 'vmPriority', message: `vmPriority must be Dedicated or LowPriority` });
  } else if (priority === 'LowPriority' && !limits.allowLowPriority) {
    violations.push({
      rule: 'computeRequests.allowLowPriority',
      field: 'vmPriority',
      message: 'low-priority VMs are not allowed; request Dedicated',
    });
  }
  return violations;
}

/**
 * The cluster to create for an approved request: scale to the policy's minimum (zero by default),
 * release idle nodes after the policy's limit, no public SSH, and the required tags the workspace
 * (or the policy's defaults) can supply. Call after `checkComputeRequest` found nothing.
 */
export function computeSpecFor(request: ComputeRequestInput, policy: Policy): ComputeSpec {
  const limits = computeRequestLimits(request.workspace, policy);
  const tags: Record<string, string> = {};
  for (const rule of rulesFor(request.workspace, policy).requiredTags) {
    if (!rule.appliesTo.includes('compute')) continue;
    // A new compute inherits from its workspace even when the rule lists no sources: it is born there.
    const inheritFrom = rule.inheritFrom.includes('workspace') ? rule.inheritFrom : [...rule.inheritFrom, 'workspace' as const];
    const inherited = inheritedTagValue({ ...rule, inheritFrom }, { subject: 'compute', workspaceTags: request.workspace.tags });
    if (inherited) tags[rule.name] = inherited.value;
  }
  return {
    location: request.workspace.location,
    tags,
    properties: {
      computeType: 'AmlCompute',
      properties: {
        vmSize: request.vmSize,
        vmPriority: normalizePriority(request.vmPriority) ?? 'Dedicated',
        scaleSettings: {
          minNodeCount: limits.minNodeCount,
          maxNodeCount: request.maxNodeCount,
          nodeIdleTimeBeforeScaleDown: limits.idleTimeBeforeScaleDown,
        },
        remoteLoginPortPublicAccess: 'Disabled',
      },
    },
  };
}

function rulesFor(workspace: WorkspaceResource, policy: Policy): EffectiveRules {
  return effectiveRules(policy, environmentOf(policy, workspace.tags));
}

/** The priority as Azure spells it (absent: Dedicated); `undefined` when it is neither. */
function normalizePriority(priority: string | undefined): VmPriority | undefined {
  if (priority === undefined) return 'Dedicated';
  return vmPriorities.find((known) => known.toLowerCase() === priority.toLowerCase());
}
