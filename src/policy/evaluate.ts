import { parseIsoDuration } from './duration.js';
import { clusterRulesMode, effectiveRules, environmentOf, instanceRulesMode, tagRuleMode, type EffectiveRules } from './effectiveRules.js';
import { readExemption } from './exemptions.js';
import { idleShutdownFinding, stopScheduleFinding } from './instanceSchedules.js';
import { isEmptyPatch, mergePatches, type Finding, type Patch } from './findings.js';
import type { Mode, Policy, RequiredTagRule } from './policySchema.js';
import type { ComputeResource, GovernedResource, WorkspaceResource } from './resources.js';
import { scopeOf } from './scope.js';
import { inheritedTagValue, isAllowedTagValue } from './tagInheritance.js';
import { includesIgnoreCase, tagKeyOf } from './tags.js';

export { describeFinding, describePatch, isEmptyPatch, mergePatches } from './findings.js';
export type { Finding, FindingValue, Patch, Relation, ScaleSettingsPatch, Severity } from './findings.js';

/**
 * Pure evaluation: a resource and the policy → findings and the minimal patch. No I/O, no clock
 * (`now` is given), no decisions about writing — the caller applies `patch` (enforce-mode fixes only).
 */

export interface EvaluationContext {
  readonly policy: Policy;
  /** The compute's workspace: its tags are inherited and tell the environment. */
  readonly workspace?: WorkspaceResource;
  readonly resourceGroupTags?: Readonly<Record<string, string>>;
  readonly now: Date;
}

export interface Evaluation {
  readonly resourceId: string;
  readonly resourceType: GovernedResource['resourceType'];
  /** The environment whose override applied (as written in the policy), if any. */
  readonly environment: string | undefined;
  /** The global mode for this resource's environment (each finding carries its own rule's mode). */
  readonly mode: Mode;
  readonly findings: readonly Finding[];
  /** What to write now: the fixes of fixable findings in enforce mode. Empty when nothing to do. */
  readonly patch: Patch;
  /** Every fixable finding's fix, whatever its mode: what enforce mode would write (for what-if reports). */
  readonly proposedPatch: Patch;
  /** Present while a valid, unexpired exemption applies; findings are then in `suppressedFindings`. */
  readonly exempt?: { readonly until: string; readonly reason: string | undefined };
  readonly suppressedFindings?: readonly Finding[];
  /** Present when the policy does not govern the resource; there are no findings then. */
  readonly outOfScope?: { readonly reason: string };
  /** Facts worth a line in a report (an exemption that has expired, a value that could not be read). */
  readonly notes: readonly string[];
}

export function evaluate(resource: GovernedResource, context: EvaluationContext): Evaluation {
  const { policy } = context;
  const environmentTags = resource.resourceType === 'compute' ? context.workspace?.tags : undefined;
  const rules = effectiveRules(policy, environmentOf(policy, resource.tags, environmentTags));
  const base = { resourceId: resource.id, resourceType: resource.resourceType, environment: rules.environment, mode: rules.mode };

  const scope = scopeOf(resource, policy);
  const skipReason = scope.inScope
    ? resource.resourceType === 'compute' && resource.provisioningState?.toLowerCase() === 'deleting'
      ? 'the compute is being deleted'
      : undefined
    : scope.reason;
  if (skipReason !== undefined) {
    return { ...base, findings: [], patch: {}, proposedPatch: {}, outOfScope: { reason: skipReason }, notes: [] };
  }

  const notes: string[] = [];
  const findings: Finding[] = [...tagFindings(resource, rules, context)];
  if (resource.resourceType === 'compute') {
    if (resource.kind === 'AmlCompute') findings.push(...clusterFindings(resource, rules, notes));
    if (resource.kind === 'ComputeInstance') findings.push(...instanceFindings(resource, rules, notes));
  }

  const exemption = readExemption(resource.tags, policy.exemptions, context.now);
  switch (exemption.state) {
    case 'active':
      return {
        ...base,
        findings: [],
        patch: {},
        proposedPatch: {},
        exempt: { until: exemption.until, reason: exemption.reason },
        suppressedFindings: findings,
        notes,
      };
    case 'expired':
      notes.push(`exemption expired at ${exemption.until}; it no longer applies`);
      break;
    case 'malformed':
      findings.push({
        rule: 'exemptions.malformed',
        severity: 'low',
        expected: 'YYYY-MM-DD or YYYY-MM-DD;reason',
        actual: exemption.value,
        relation: 'valid',
        fixable: false,
        advice: `tag ${policy.exemptions.tag}: ${exemption.problem}; the exemption is ignored`,
        mode: rules.mode,
      });
      break;
    case 'none':
      break;
  }

  const fixes = (mode?: Mode) =>
    mergePatches(findings.filter((f) => f.fixable && f.fix && (mode === undefined || f.mode === mode)).map((f) => f.fix ?? {}));
  return { ...base, findings, patch: fixes('enforce'), proposedPatch: fixes(), notes };
}

/** True when nothing needs attention: no findings (an exempt or out-of-scope resource counts as compliant). */
export function isCompliant(evaluation: Evaluation): boolean {
  return evaluation.findings.length === 0 && isEmptyPatch(evaluation.patch);
}

// ── tags ────────────────────────────────────────────────────────────────────────────────────────

function tagFindings(resource: GovernedResource, rules: EffectiveRules, context: EvaluationContext): Finding[] {
  const subject = resource.resourceType;
  const findings: Finding[] = [];
  for (const rule of rules.requiredTags) {
    if (!rule.appliesTo.includes(subject)) continue;
    const key = tagKeyOf(resource.tags, rule.name);
    const current = key === undefined ? undefined : resource.tags[key];
    const missing = current === undefined || current.trim() === '';
    if (!missing && isAllowedTagValue(rule, current)) continue;

    const mode = tagRuleMode(rule, rules);
    const source = inheritedTagValue(rule, {
      subject,
      workspaceTags: context.workspace?.tags,
      resourceGroupTags: context.resourceGroupTags,
    });
    // A compute's tags are set when it is created: Azure does not change them afterwards (ARM's tag-support
    // table lists workspaces/computes as not supporting tags), so no fix is proposed for one.
    const inheritable = source !== undefined && source.value !== current;
    const fixable = inheritable && subject !== 'compute';
    const fix: Patch | undefined = fixable ? { tags: { [key ?? rule.name]: source.value } } : undefined;
    const allowed = rule.allowedValues ? ` (one of ${rule.allowedValues.join(', ')})` : '';
    const advice =
      subject === 'compute'
        ? `a compute's tags are set when it is created and cannot be changed afterwards: recreate it with tag ${rule.name}${inheritable ? `=${source.value} (from ${source.from})` : allowed}`
        : fixable
          ? `value from ${source.from}`
          : `set tag ${rule.name}${allowed} on the resource${inheritanceGap(rule, subject)}`;
    findings.push({
      rule: missing ? `tags.required:${rule.name}` : `tags.allowedValues:${rule.name}`,
      severity: 'medium',
      expected: rule.allowedValues ?? 'a non-empty value',
      actual: current ?? null,
      relation: missing ? 'present' : 'oneOf',
      fixable,
      ...(fix ? { fix } : {}),
      advice,
      mode,
    });
  }
  return findings;
}

function inheritanceGap(rule: RequiredTagRule, subject: GovernedResource['resourceType']): string {
  const sources = rule.inheritFrom
    .filter((source) => !(source === 'workspace' && subject === 'workspace'))
    .map((source) => (source === 'workspace' ? 'the workspace' : 'the resource group'));
  return sources.length === 0 ? '' : ` or on ${sources.join(' / ')} to inherit from`;
}

// ── clusters ────────────────────────────────────────────────────────────────────────────────────

function clusterFindings(compute: ComputeResource, rules: EffectiveRules, notes: string[]): Finding[] {
  const policy = rules.scaling.clusters;
  const mode = clusterRulesMode(rules);
  const scale = compute.scaleSettings;
  const findings: Finding[] = [];

  const cap = policy.maxNodeCount;
  const actualMax = scale?.maxNodeCount;
  const lowersMax = cap !== undefined && actualMax !== undefined && actualMax > cap;
  if (lowersMax) {
    findings.push({
      rule: 'scaling.maxNodeCount',
      severity: 'medium',
      expected: cap,
      actual: actualMax,
      relation: 'atMost',
      fixable: true,
      fix: { scaleSettings: { maxNodeCount: cap } },
      advice: 'jobs that need more nodes than the cap will queue',
      mode,
      disruptive: true,
    });
  }

  const actualMin = scale?.minNodeCount;
  if (actualMin !== undefined && actualMin !== policy.minNodeCount) {
    const maxAfter = lowersMax ? cap : actualMax;
    // ARM refuses min > max; raising the maximum is a capacity decision left to people.
    const fixable = maxAfter === undefined || policy.minNodeCount <= maxAfter;
    findings.push({
      rule: 'scaling.minNodeCount',
      severity: actualMin > policy.minNodeCount ? 'high' : 'medium',
      expected: policy.minNodeCount,
      actual: actualMin,
      relation: 'equals',
      fixable,
      ...(fixable ? { fix: { scaleSettings: { minNodeCount: policy.minNodeCount } } } : {}),
      ...(fixable
        ? {}
        : { advice: `minNodeCount ${policy.minNodeCount} exceeds the cluster's maxNodeCount ${maxAfter}; raise maxNodeCount first` }),
      mode,
    });
  }

  const idle = scale?.nodeIdleTimeBeforeScaleDown;
  if (idle !== undefined) {
    const idleMs = parseIsoDuration(idle);
    const limitMs = parseIsoDuration(policy.maxIdleTimeBeforeScaleDown) ?? 0;
    if (idleMs === undefined) notes.push(`nodeIdleTimeBeforeScaleDown ${JSON.stringify(idle)} is not an ISO-8601 duration`);
    if (idleMs === undefined || idleMs > limitMs) {
      findings.push({
        rule: 'scaling.nodeIdleTimeBeforeScaleDown',
        severity: 'medium',
        expected: policy.maxIdleTimeBeforeScaleDown,
        actual: idle,
        relation: 'atMost',
        fixable: true,
        fix: { scaleSettings: { nodeIdleTimeBeforeScaleDown: policy.maxIdleTimeBeforeScaleDown } },
        mode,
      });
    }
  }

  if (policy.allowedVmSizes && compute.vmSize !== undefined && !includesIgnoreCase(policy.allowedVmSizes, compute.vmSize)) {
    findings.push({
      rule: 'scaling.vmSize',
      severity: 'medium',
      expected: policy.allowedVmSizes,
      actual: compute.vmSize,
      relation: 'oneOf',
      fixable: false,
      advice: `a cluster's VM size cannot change: create a cluster with an allowed size, move its workloads, then delete this one`,
      mode,
    });
  }

  if (!policy.allowLowPriority && compute.vmPriority?.toLowerCase() === 'lowpriority') {
    findings.push({
      rule: 'scaling.vmPriority',
      severity: 'low',
      expected: 'Dedicated',
      actual: compute.vmPriority,
      relation: 'equals',
      fixable: false,
      advice: `a cluster's VM priority cannot change: recreate it as Dedicated`,
      mode,
    });
  }

  if (policy.remoteLoginPortPublicAccess === 'Disabled' && publicSshOpen(compute)) {
    findings.push({
      rule: 'scaling.remoteLoginPortPublicAccess',
      severity: 'high',
      expected: 'Disabled',
      actual: compute.remoteLoginPortPublicAccess ?? null,
      relation: 'equals',
      fixable: false,
      advice: 'public SSH cannot be turned off on an existing cluster: recreate it with remoteLoginPortPublicAccess Disabled',
      mode,
    });
  }
  return findings;
}

/** `NotSpecified` means open unless the cluster sits in a virtual network (Azure ML's documented rule). */
function publicSshOpen(compute: ComputeResource): boolean {
  const access = compute.remoteLoginPortPublicAccess?.toLowerCase();
  return access === 'enabled' || (access === 'notspecified' && compute.subnetId === undefined);
}

// ── compute instances ───────────────────────────────────────────────────────────────────────────

function instanceFindings(compute: ComputeResource, rules: EffectiveRules, notes: string[]): Finding[] {
  const policy = rules.scaling.instances;
  const mode = instanceRulesMode(rules);
  const idle = idleShutdownFinding(
    compute.idleTimeBeforeShutdown,
    { min: policy.minIdleTimeBeforeShutdown, max: policy.maxIdleTimeBeforeShutdown },
    mode,
    notes,
  );
  const stop = policy.requiredStopSchedule === undefined ? undefined : stopScheduleFinding(compute.startStopSchedules, policy.requiredStopSchedule, mode);
  return [idle, stop].filter((finding) => finding !== undefined);
}
