import { requestLimitsOf } from './computeRequestRules.js';
import { clusterRulesMode, effectiveRules, instanceRulesMode, overrideFor, tagRuleMode, type EffectiveRules } from './effectiveRules.js';
import type { EnvironmentOverride, Mode, Policy, RequiredTagRule } from './policySchema.js';
import { formatPath } from './validatePolicy.js';
import { jobRulesFor } from './jobRules.js';

/**
 * The rules a policy applies in each environment it mentions, as evaluation resolves them (`effectiveRules`, and the
 * rule → environment → global order of modes), so a person can check what an override really changes before it
 * governs anything. Pure: a policy in, a description out.
 */

export interface ExplainedTagRule {
  readonly name: string;
  /** Values the tag may take; null: any non-empty value. */
  readonly allowedValues: readonly string[] | null;
  readonly inheritFrom: readonly string[];
  readonly default: string | null;
  readonly appliesTo: readonly string[];
  readonly mode: Mode;
  readonly modeFrom: ModeSource;
  /** The fields the environment's override writes for this rule (`name` too when it adds the rule). */
  readonly overridden: readonly string[];
}

/**
 * What decides a rule's mode, the most specific first: its own `mode` (`requiredTags[].mode`,
 * `scaling.clusters.mode`, in the base rules or the override), the override's `mode`, or the policy's global `mode`.
 */
export type ModeSource = 'rule' | 'environment' | 'policy';

export interface ExplainedRules {
  /** The override these rules come from, as `scope.overrides` names it; null for the base rules. */
  readonly override: string | null;
  /** Where the override is written (`scope.overrides.prod`); null for the base rules. */
  readonly overridePath: string | null;
  /** The environment-tag values the policy mentions that resolve to these rules. */
  readonly environments: readonly string[];
  /** Whether resources without the environment tag get these rules (the base rules only). */
  readonly untagged: boolean;
  readonly mode: Mode;
  readonly requiredTags: readonly ExplainedTagRule[];
  readonly clusters: {
    readonly mode: Mode;
    readonly modeFrom: ModeSource;
    readonly minNodeCount: number;
    readonly maxIdleTimeBeforeScaleDown: string;
    /** null: no cap. */
    readonly maxNodeCount: number | null;
    /** null: any size. */
    readonly allowedVmSizes: readonly string[] | null;
    readonly allowLowPriority: boolean;
    readonly remoteLoginPortPublicAccess: string;
  };
  readonly instances: {
    readonly mode: Mode;
    readonly modeFrom: ModeSource;
    /** null: no idle-shutdown rule. */
    readonly maxIdleTimeBeforeShutdown: string | null;
    /** null: no lower bound. */
    readonly minIdleTimeBeforeShutdown: string | null;
    /** null: no stop schedule required. */
    readonly requiredStopSchedule: { readonly days: readonly string[]; readonly time: string; readonly timeZone: string } | null;
  };
  /** The `jobs:` rules for this environment; null when the policy has none. */
  readonly jobs: {
    readonly mode: Mode;
    readonly modeFrom: ModeSource;
    readonly action: 'report' | 'cancel';
    readonly allowedInstanceTypes: readonly string[] | null;
    readonly maxInstanceCount: number | null;
    readonly allowedQueueTiers: readonly string[] | null;
    readonly maxTimeout: string | null;
  } | null;
  /** `onlineEndpoints:` (policy-wide); null when the policy has none. */
  readonly onlineEndpoints: {
    readonly mode: Mode;
    readonly allowedInstanceTypes: readonly string[] | null;
    readonly maxInstances: number | null;
    readonly publicNetworkAccess: string;
    readonly authModes: readonly string[] | null;
    readonly remindAfter: string;
    /** null: failed deployments are never deleted. */
    readonly deleteAfter: string | null;
  } | null;
  /** `quota:` (policy-wide, audit only); null when quota is not read. */
  readonly quota: {
    readonly utilizationThreshold: number;
    readonly families: readonly string[] | null;
    readonly thresholds: readonly { readonly families: readonly string[]; readonly utilizationThreshold: number }[];
  } | null;
  /** `modelMonitoring:` (policy-wide); null when no monitor alert starts anything. */
  readonly modelMonitoring: {
    readonly monitorDimension: string;
    readonly rules: readonly { readonly monitors: readonly string[]; readonly workspaces: readonly string[] | null; readonly target: string }[];
  } | null;
  readonly exemptions: {
    readonly tag: string;
    readonly requireReason: boolean;
    /** null: no limit. */
    readonly maxDuration: string | null;
  };
  /** What a compute request is held to: `computeRequests`, else the cluster rules. */
  readonly computeRequests: {
    readonly expiresAfter: string;
    readonly allowedVmSizes: readonly string[] | null;
    readonly maxNodeCount: number | null;
    readonly allowLowPriority: boolean;
  };
  /** The paths the override sets, relative to `overridePath` (`mode`, `scaling.clusters.maxNodeCount`, `requiredTags[0].mode`). */
  readonly overridden: readonly string[];
}

export interface PolicyExplanation {
  readonly environmentTag: string;
  /** The base rules first, then one entry per override in the order the policy writes them. */
  readonly rules: readonly ExplainedRules[];
}

export function explainPolicy(policy: Policy): PolicyExplanation {
  const mentioned = mentionedEnvironments(policy);
  const base = explainRules(policy, effectiveRules(policy, undefined), undefined, {
    environments: mentioned.filter((environment) => overrideFor(policy, environment) === undefined),
    untagged: true,
  });
  const overrides = Object.entries(policy.scope.overrides).map(([name, override]) =>
    explainRules(policy, effectiveRules(policy, name), override, {
      environments: mentioned.filter((environment) => overrideFor(policy, environment)?.name === name),
      untagged: false,
    }),
  );
  return { environmentTag: policy.scope.environmentTag, rules: [base, ...overrides] };
}

function explainRules(
  policy: Policy,
  rules: EffectiveRules,
  override: EnvironmentOverride | undefined,
  applies: { readonly environments: readonly string[]; readonly untagged: boolean },
): ExplainedRules {
  const { clusters, instances } = rules.scaling;
  const limits = requestLimitsOf(rules);
  const modeFrom = (own: Mode | undefined): ModeSource => (own !== undefined ? 'rule' : override?.mode !== undefined ? 'environment' : 'policy');
  const tagOverrides = override?.requiredTags ?? [];
  const overriddenFields = (name: string): string[] =>
    tagOverrides
      .filter((candidate) => candidate.name.toLowerCase() === name.toLowerCase())
      .flatMap((candidate) => Object.entries(candidate).flatMap(([field, value]) => (value === undefined ? [] : [field])));
  return {
    override: rules.environment ?? null,
    overridePath: rules.environment === undefined ? null : formatPath(['scope', 'overrides', rules.environment]),
    environments: applies.environments,
    untagged: applies.untagged,
    mode: rules.mode,
    requiredTags: rules.requiredTags.map((rule: RequiredTagRule) => ({
      name: rule.name,
      allowedValues: rule.allowedValues ?? null,
      inheritFrom: rule.inheritFrom,
      default: rule.default ?? null,
      appliesTo: rule.appliesTo,
      mode: tagRuleMode(rule, rules),
      modeFrom: modeFrom(rule.mode),
      overridden: overriddenFields(rule.name),
    })),
    clusters: {
      mode: clusterRulesMode(rules),
      modeFrom: modeFrom(clusters.mode),
      minNodeCount: clusters.minNodeCount,
      maxIdleTimeBeforeScaleDown: clusters.maxIdleTimeBeforeScaleDown,
      maxNodeCount: clusters.maxNodeCount ?? null,
      allowedVmSizes: clusters.allowedVmSizes ?? null,
      allowLowPriority: clusters.allowLowPriority,
      remoteLoginPortPublicAccess: clusters.remoteLoginPortPublicAccess,
    },
    instances: {
      mode: instanceRulesMode(rules),
      modeFrom: modeFrom(instances.mode),
      maxIdleTimeBeforeShutdown: instances.maxIdleTimeBeforeShutdown ?? null,
      minIdleTimeBeforeShutdown: instances.minIdleTimeBeforeShutdown ?? null,
      requiredStopSchedule: instances.requiredStopSchedule ?? null,
    },
    jobs: explainJobs(policy, rules.environment, override),
    onlineEndpoints:
      policy.onlineEndpoints === undefined
        ? null
        : {
            mode: policy.onlineEndpoints.mode ?? rules.mode,
            allowedInstanceTypes: policy.onlineEndpoints.allowedInstanceTypes ?? null,
            maxInstances: policy.onlineEndpoints.maxInstances ?? null,
            publicNetworkAccess: policy.onlineEndpoints.publicNetworkAccess,
            authModes: policy.onlineEndpoints.authModes ?? null,
            remindAfter: policy.onlineEndpoints.failedDeployments.remindAfter,
            deleteAfter: policy.onlineEndpoints.failedDeployments.delete?.after ?? null,
          },
    quota:
      policy.quota === undefined
        ? null
        : { utilizationThreshold: policy.quota.utilizationThreshold, families: policy.quota.families ?? null, thresholds: policy.quota.thresholds },
    modelMonitoring:
      policy.modelMonitoring === undefined
        ? null
        : {
            monitorDimension: policy.modelMonitoring.monitorDimension,
            rules: policy.modelMonitoring.rules.map((rule) => ({ monitors: rule.monitors, workspaces: rule.workspaces ?? null, target: rule.target })),
          },
    exemptions: {
      tag: policy.exemptions.tag,
      requireReason: policy.exemptions.requireReason,
      maxDuration: policy.exemptions.maxDuration ?? null,
    },
    computeRequests: {
      expiresAfter: limits.expiresAfter,
      allowedVmSizes: limits.allowedVmSizes ?? null,
      maxNodeCount: limits.maxNodeCount ?? null,
      allowLowPriority: limits.allowLowPriority,
    },
    overridden: override === undefined ? [] : leafPaths(override, []),
  };
}

function explainJobs(policy: Policy, environment: string | undefined, override: EnvironmentOverride | undefined): ExplainedRules['jobs'] {
  const found = jobRulesFor(policy, environment);
  if (found === undefined) return null;
  const { rules, mode } = found;
  return {
    mode,
    modeFrom: rules.mode !== undefined ? 'rule' : override?.mode !== undefined ? 'environment' : 'policy',
    action: rules.action,
    allowedInstanceTypes: rules.allowedInstanceTypes ?? null,
    maxInstanceCount: rules.maxInstanceCount ?? null,
    allowedQueueTiers: rules.allowedQueueTiers ?? null,
    maxTimeout: rules.maxTimeout ?? null,
  };
}

/**
 * The environment-tag values the policy mentions, each once (case-insensitively, as environments match): the
 * allowed values and defaults of the rules for the environment tag, then the overrides' names.
 */
function mentionedEnvironments(policy: Policy): string[] {
  const tag = policy.scope.environmentTag.toLowerCase();
  const overrides = Object.entries(policy.scope.overrides);
  const environmentTagRules = [...policy.requiredTags, ...overrides.flatMap(([, override]) => override.requiredTags ?? [])].filter(
    (rule) => rule.name.toLowerCase() === tag,
  );
  const values: string[] = [];
  const add = (value: string | undefined): void => {
    const trimmed = value?.trim();
    if (trimmed === undefined || trimmed === '') return;
    if (!values.some((known) => known.toLowerCase() === trimmed.toLowerCase())) values.push(trimmed);
  };
  for (const rule of environmentTagRules) {
    rule.allowedValues?.forEach(add);
    add(rule.default);
  }
  for (const [name] of overrides) add(name);
  // An override's own spelling is how the policy names that environment.
  return values.map((value) => overrideFor(policy, value)?.name ?? value);
}

/** Every value the override writes, as a path below it; a list is one value (lists replace whole). */
function leafPaths(value: unknown, path: readonly (string | number)[]): string[] {
  if (Array.isArray(value)) {
    // Tag rules merge by name, field by field: each field an entry writes is its own change.
    return path.length === 1 && path[0] === 'requiredTags'
      ? value.flatMap((entry: unknown, index) => leafPaths(entry, [...path, index]))
      : [formatPath(path)];
  }
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, child]) => (child === undefined ? [] : leafPaths(child, [...path, key])));
  }
  return [formatPath(path)];
}
