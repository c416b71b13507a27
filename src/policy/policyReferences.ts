import { effectiveRules, type EffectiveRules } from './effectiveRules.js';
import { instanceRuleIssues } from './instanceRuleIssues.js';
import type { Policy } from './policySchema.js';
import { includesIgnoreCase } from './tags.js';

/** A problem the schema's shape cannot see: a dangling name, a contradiction between sections. */
export interface PolicyIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** Every cross-reference and consistency problem in an already shape-checked policy. */
export function findPolicyIssues(policy: Policy): PolicyIssue[] {
  return [
    ...cdIssues(policy),
    ...notificationIssues(policy),
    ...driftRetrainIssues(policy),
    ...modelMonitoringIssues(policy),
    ...requiredTagIssues(policy),
    ...environmentIssues(policy),
  ];
}

function cdIssues(policy: Policy): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  const targetNames = Object.keys(policy.cd.targets);
  const seen = new Set<string>();
  policy.cd.rules.forEach((rule, index) => {
    if (!Object.hasOwn(policy.cd.targets, rule.target)) {
      issues.push({ path: ['cd', 'rules', index, 'target'], message: unknownName('target', rule.target, targetNames) });
    }
    if (seen.has(rule.name)) issues.push({ path: ['cd', 'rules', index, 'name'], message: `duplicate rule name '${rule.name}'` });
    seen.add(rule.name);
  });
  for (const [name, target] of Object.entries(policy.cd.targets)) {
    if (target.kind === 'webhook' && (target.url === undefined) === (target.urlSecretName === undefined)) {
      issues.push({ path: ['cd', 'targets', name], message: 'expected exactly one of url or urlSecretName' });
    }
  }
  return issues;
}

function notificationIssues(policy: Policy): PolicyIssue[] {
  const { notifications } = policy;
  const channelNames = Object.keys(notifications.channels);
  const issues: PolicyIssue[] = [];
  const checkChannel = (path: PolicyIssue['path'], name: string | undefined): void => {
    if (name !== undefined && !Object.hasOwn(notifications.channels, name)) {
      issues.push({ path, message: unknownName('channel', name, channelNames) });
    }
  };
  notifications.failedRuns.routes.forEach((route, index) => {
    const path = ['notifications', 'failedRuns', 'routes', index];
    if ((route.channel === undefined) === (route.mute !== true)) {
      issues.push({ path, message: 'expected either channel or mute: true' });
    }
    checkChannel([...path, 'channel'], route.channel);
  });
  checkChannel(['notifications', 'failedRuns', 'defaultChannel'], notifications.failedRuns.defaultChannel);
  checkChannel(['notifications', 'violations', 'channel'], notifications.violations?.channel);
  checkChannel(['notifications', 'approvals', 'channel'], notifications.approvals?.channel);
  checkChannel(['notifications', 'cd', 'channel'], notifications.cd?.channel);
  checkChannel(['quota', 'channel'], policy.quota?.channel);
  for (const [eventType, channel] of Object.entries(notifications.events)) {
    checkChannel(['notifications', 'events', eventType], channel);
  }
  return issues;
}

/** Each `modelMonitoring` rule's target must be a CD target. */
function modelMonitoringIssues(policy: Policy): PolicyIssue[] {
  return (policy.modelMonitoring?.rules ?? []).flatMap((rule, index) =>
    rule.target in policy.cd.targets ? [] : [{ path: ['modelMonitoring', 'rules', index, 'target'], message: unknownName('target', rule.target, Object.keys(policy.cd.targets)) }],
  );
}

function driftRetrainIssues(policy: Policy): PolicyIssue[] {
  const drift = policy.driftRetrain;
  if (!drift) return [];
  if (drift.target === undefined) {
    return drift.enabled ? [{ path: ['driftRetrain', 'target'], message: 'expected a target when enabled' }] : [];
  }
  return Object.hasOwn(policy.cd.targets, drift.target)
    ? []
    : [{ path: ['driftRetrain', 'target'], message: unknownName('target', drift.target, Object.keys(policy.cd.targets)) }];
}

function requiredTagIssues(policy: Policy): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  const seen = new Set<string>();
  policy.requiredTags.forEach((rule, index) => {
    const key = rule.name.toLowerCase();
    if (seen.has(key)) issues.push({ path: ['requiredTags', index, 'name'], message: `duplicate tag rule '${rule.name}'` });
    seen.add(key);
  });
  return issues;
}

/** Contradictions are checked for the base rules and again for every environment's merged rules. */
function environmentIssues(policy: Policy): PolicyIssue[] {
  const issues = consistencyIssues(effectiveRules(policy, undefined), []);
  const seen = new Map<string, string>();
  for (const name of Object.keys(policy.scope.overrides)) {
    const prefix = ['scope', 'overrides', name];
    const clash = seen.get(name.toLowerCase());
    if (clash !== undefined) {
      issues.push({ path: prefix, message: `environment '${name}' is the same as '${clash}' (names are case-insensitive)` });
      continue;
    }
    seen.set(name.toLowerCase(), name);
    const merged = consistencyIssues(effectiveRules(policy, name), prefix);
    // Only report what the override introduced; base problems are already reported once.
    for (const issue of merged) {
      if (!issues.some((known) => known.message === issue.message)) issues.push(issue);
    }
  }
  return issues;
}

function consistencyIssues(rules: EffectiveRules, prefix: readonly (string | number)[]): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  const where = (...path: (string | number)[]): PolicyIssue['path'] => [...prefix, ...path];
  for (const issue of instanceRuleIssues(rules.scaling.instances)) {
    issues.push({ path: where('scaling', 'instances', issue.field), message: issue.message });
  }
  const clusters = rules.scaling.clusters;
  if (clusters.maxNodeCount !== undefined && clusters.minNodeCount > clusters.maxNodeCount) {
    issues.push({
      path: where('scaling', 'clusters', 'minNodeCount'),
      message: `minNodeCount ${clusters.minNodeCount} is above the maxNodeCount cap ${clusters.maxNodeCount}`,
    });
  }
  rules.requiredTags.forEach((rule, index) => {
    if (rule.default !== undefined && rule.allowedValues && !includesIgnoreCase(rule.allowedValues, rule.default)) {
      issues.push({
        path: where('requiredTags', index, 'default'),
        message: `default '${rule.default}' of tag ${rule.name} is not one of its allowedValues (${rule.allowedValues.join(', ')})`,
      });
    }
  });
  const requests = rules.computeRequests;
  if (requests.allowedVmSizes && clusters.allowedVmSizes) {
    const outside = requests.allowedVmSizes.filter((size) => !includesIgnoreCase(clusters.allowedVmSizes ?? [], size));
    if (outside.length > 0) {
      issues.push({
        path: where('computeRequests', 'allowedVmSizes'),
        message: `${outside.join(', ')} would be provisioned against scaling.clusters.allowedVmSizes`,
      });
    }
  }
  if (requests.maxNodeCount !== undefined && clusters.maxNodeCount !== undefined && requests.maxNodeCount > clusters.maxNodeCount) {
    issues.push({
      path: where('computeRequests', 'maxNodeCount'),
      message: `maxNodeCount ${requests.maxNodeCount} is above the scaling.clusters.maxNodeCount cap ${clusters.maxNodeCount}`,
    });
  }
  if (requests.allowLowPriority === true && !clusters.allowLowPriority) {
    issues.push({
      path: where('computeRequests', 'allowLowPriority'),
      message: 'low priority would be provisioned against scaling.clusters.allowLowPriority: false',
    });
  }
  return issues;
}

function unknownName(what: string, name: string, known: readonly string[]): string {
  return known.length === 0
    ? `unknown ${what} '${name}' (none are defined)`
    : `unknown ${what} '${name}'; defined: ${known.join(', ')}`;
}
