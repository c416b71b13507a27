import { firstMatchingGlob } from './glob.js';
import type { CdRule, CdTarget, Policy } from './policySchema.js';
import { equalsIgnoreCase, tagValueOf } from './tags.js';

/**
 * Which CD targets a newly registered model version goes to. Filters (workspaces, models) must all
 * pass; conditions (experiments, model tags, job tags) combine by the rule's `match`. When nothing
 * matches, the reason says why in words a person can act on.
 */

type Tags = Readonly<Record<string, string>>;

export interface CdMatchInput {
  readonly workspace: { readonly id: string; readonly name: string };
  readonly model: { readonly name: string; readonly version: string | number; readonly tags?: Tags };
  /** The job that produced the model, with its parent pipeline job when it ran inside one. */
  readonly job?: {
    readonly name: string;
    readonly experimentName?: string | undefined;
    readonly tags?: Tags;
    readonly parent?: { readonly experimentName?: string | undefined; readonly tags?: Tags };
  };
}

export interface CdMatch {
  readonly rule: CdRule;
  readonly targetName: string;
  readonly target: CdTarget;
}

export interface CdRuleMatches {
  readonly matches: readonly CdMatch[];
  /** Present when nothing matched. */
  readonly skipped?: { readonly reason: string };
}

type RuleOutcome = { readonly matched: true } | { readonly matched: false; readonly reason: string };

/** Every target a model version should go to, once per target (the first matching rule for a target wins). */
export function matchCdRules(input: CdMatchInput, policy: Policy): CdRuleMatches {
  const rules = policy.cd.rules;
  if (rules.length === 0) return { matches: [], skipped: { reason: 'the policy has no CD rules' } };
  const matches: CdMatch[] = [];
  const reasons: string[] = [];
  for (const rule of rules) {
    const outcome = evaluateRule(rule, input);
    if (!outcome.matched) {
      reasons.push(rules.length === 1 ? outcome.reason : `rule '${rule.name}': ${outcome.reason}`);
      continue;
    }
    const target = policy.cd.targets[rule.target];
    if (target && !matches.some((match) => match.targetName === rule.target)) {
      matches.push({ rule, targetName: rule.target, target });
    }
  }
  return matches.length > 0 ? { matches } : { matches, skipped: { reason: reasons.join('; ') } };
}

function evaluateRule(rule: CdRule, input: CdMatchInput): RuleOutcome {
  if (rule.workspaces && firstMatchingGlob(rule.workspaces, input.workspace.name) === undefined) {
    return { matched: false, reason: `workspace '${input.workspace.name}' matches none of ${rule.workspaces.join(', ')}` };
  }
  if (rule.models && firstMatchingGlob(rule.models, input.model.name) === undefined) {
    return { matched: false, reason: `model '${input.model.name}' matches none of ${rule.models.join(', ')}` };
  }
  const conditions = [
    rule.experiments && experimentCondition(rule.experiments, input),
    rule.modelTags && tagCondition('model', rule.modelTags, [input.model.tags]),
    rule.jobTags && tagCondition('job', rule.jobTags, input.job ? [input.job.tags, input.job.parent?.tags] : undefined),
  ].filter((condition): condition is RuleOutcome => condition !== undefined);
  if (conditions.length === 0) return { matched: true };
  const failures = conditions.flatMap((condition) => (condition.matched ? [] : [condition.reason]));
  const matched = rule.match === 'all' ? failures.length === 0 : failures.length < conditions.length;
  return matched ? { matched: true } : { matched: false, reason: failures.join('; ') };
}

function experimentCondition(patterns: readonly string[], input: CdMatchInput): RuleOutcome {
  const job = input.job;
  if (!job) return { matched: false, reason: 'no job is recorded for the model version, so its experiment is unknown' };
  const candidates = [
    { name: job.experimentName, role: 'job' },
    { name: job.parent?.experimentName, role: 'parent pipeline job' },
  ].filter((candidate): candidate is { name: string; role: string } => candidate.name !== undefined && candidate.name !== '');
  if (candidates.some((candidate) => firstMatchingGlob(patterns, candidate.name) !== undefined)) return { matched: true };
  if (candidates.length === 0) return { matched: false, reason: `job '${job.name}' has no experiment name` };
  const names =
    candidates.length === 1
      ? `experiment '${candidates[0]?.name}'`
      : `experiments ${candidates.map((candidate) => `'${candidate.name}' (${candidate.role})`).join(' and ')}`;
  return { matched: false, reason: `${names} match${candidates.length === 1 ? 'es' : ''} none of ${patterns.join(', ')}` };
}

/** Every wanted tag must be present (first source that has it wins); `*` accepts any value. */
function tagCondition(
  what: 'model' | 'job',
  wanted: Readonly<Record<string, string>>,
  sources: readonly (Tags | undefined)[] | undefined,
): RuleOutcome {
  if (sources === undefined) return { matched: false, reason: `no job is recorded for the model version, so its tags are unknown` };
  const failures: string[] = [];
  for (const [name, expected] of Object.entries(wanted)) {
    const actual = sources
      .map((tags) => (tags === undefined ? undefined : tagValueOf(tags, name)))
      .find((value) => value !== undefined);
    if (actual === undefined) failures.push(`${what} tag ${name} is absent`);
    else if (expected !== '*' && !equalsIgnoreCase(actual, expected)) {
      failures.push(`${what} tag ${name} is '${actual}', not '${expected}'`);
    }
  }
  return failures.length === 0 ? { matched: true } : { matched: false, reason: failures.join('; ') };
}
