import type {
  ComputeRequestRules,
  EnvironmentOverride,
  Mode,
  Policy,
  RequiredTagRule,
  ScalingRules,
} from './policySchema.js';
import { tagValueOf } from './tags.js';

/** The rules that apply to one environment: the base rules with that environment's override merged in. */
export interface EffectiveRules {
  /** The environment whose override was applied, as written in `scope.overrides`; absent when none applied. */
  readonly environment: string | undefined;
  readonly mode: Mode;
  readonly requiredTags: readonly RequiredTagRule[];
  readonly scaling: ScalingRules;
  readonly computeRequests: ComputeRequestRules;
}

/**
 * The environment a resource belongs to: its own environment tag, else its workspace's (computes are
 * often untagged, and belong where their workspace does).
 */
export function environmentOf(
  policy: Policy,
  tags: Readonly<Record<string, string>>,
  workspaceTags?: Readonly<Record<string, string>>,
): string | undefined {
  const tagName = policy.scope.environmentTag;
  const own = tagValueOf(tags, tagName);
  if (own !== undefined && own.trim() !== '') return own.trim();
  const inherited = workspaceTags === undefined ? undefined : tagValueOf(workspaceTags, tagName);
  return inherited !== undefined && inherited.trim() !== '' ? inherited.trim() : undefined;
}

/** The override for an environment; keys match case-insensitively (`Prod` and `prod` are one environment). */
export function overrideFor(
  policy: Policy,
  environment: string | undefined,
): { readonly name: string; readonly override: EnvironmentOverride } | undefined {
  if (environment === undefined) return undefined;
  const wanted = environment.toLowerCase();
  for (const [name, override] of Object.entries(policy.scope.overrides)) {
    if (name.toLowerCase() === wanted) return { name, override };
  }
  return undefined;
}

export function effectiveRules(policy: Policy, environment: string | undefined): EffectiveRules {
  const found = overrideFor(policy, environment);
  const base: EffectiveRules = {
    environment: undefined,
    mode: policy.mode,
    requiredTags: policy.requiredTags,
    scaling: policy.scaling,
    computeRequests: policy.computeRequests,
  };
  if (!found) return base;
  const { name, override } = found;
  return {
    environment: name,
    mode: override.mode ?? base.mode,
    requiredTags: mergeTagRules(base.requiredTags, override.requiredTags ?? []),
    scaling: {
      clusters: mergeDefined(base.scaling.clusters, override.scaling?.clusters),
      instances: mergeDefined(base.scaling.instances, override.scaling?.instances),
    },
    computeRequests: mergeDefined(base.computeRequests, override.computeRequests),
  };
}

/** The mode a tag rule acts in: its own, else the environment's (the most specific one wins). */
export function tagRuleMode(rule: RequiredTagRule, rules: EffectiveRules): Mode {
  return rule.mode ?? rules.mode;
}

/** The mode cluster rules act in: `scaling.clusters.mode` (after the override), else the environment's. */
export function clusterRulesMode(rules: EffectiveRules): Mode {
  return rules.scaling.clusters.mode ?? rules.mode;
}

/** The mode compute-instance rules act in: `scaling.instances.mode` (after the override), else the environment's. */
export function instanceRulesMode(rules: EffectiveRules): Mode {
  return rules.scaling.instances.mode ?? rules.mode;
}

/** Tag rules merge by name (case-insensitive): fields given override the base rule; new names are added. */
function mergeTagRules(
  base: readonly RequiredTagRule[],
  overrides: NonNullable<EnvironmentOverride['requiredTags']>,
): RequiredTagRule[] {
  const merged = base.map((rule) => ({ ...rule }));
  for (const override of overrides) {
    const index = merged.findIndex((rule) => rule.name.toLowerCase() === override.name.toLowerCase());
    const existing = index >= 0 ? merged[index] : undefined;
    if (existing) {
      merged[index] = mergeDefined(existing, override);
    } else {
      merged.push(
        mergeDefined<RequiredTagRule>({ name: override.name, inheritFrom: [], appliesTo: ['workspace', 'compute'] }, override),
      );
    }
  }
  return merged;
}

/** Fields the override sets replace the base's; lists replace whole (a narrower allow-list must not widen by merging). */
function mergeDefined<T extends object>(base: T, override: Partial<T> | undefined): T {
  if (!override) return base;
  const result: T = { ...base };
  for (const key of Object.keys(override) as (keyof T)[]) {
    const value = override[key];
    if (value !== undefined) result[key] = value as T[keyof T];
  }
  return result;
}
