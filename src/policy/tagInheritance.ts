import type { RequiredTagRule } from './policySchema.js';
import { includesIgnoreCase, tagValueOf } from './tags.js';

type Tags = Readonly<Record<string, string>>;

export interface TagSources {
  /** What carries the tag: a workspace cannot inherit from itself. */
  readonly subject: 'workspace' | 'compute';
  readonly workspaceTags?: Tags | undefined;
  readonly resourceGroupTags?: Tags | undefined;
}

export function isAllowedTagValue(rule: RequiredTagRule, value: string): boolean {
  return value.trim() !== '' && (rule.allowedValues === undefined || includesIgnoreCase(rule.allowedValues, value));
}

/** The first allowed value from the rule's sources, in the order the policy lists them, then its default. */
export function inheritedTagValue(rule: RequiredTagRule, sources: TagSources): { value: string; from: string } | undefined {
  for (const source of rule.inheritFrom) {
    const tags =
      source === 'workspace' ? (sources.subject === 'compute' ? sources.workspaceTags : undefined) : sources.resourceGroupTags;
    const value = tags === undefined ? undefined : tagValueOf(tags, rule.name);
    if (value !== undefined && isAllowedTagValue(rule, value)) {
      return { value, from: source === 'workspace' ? 'the workspace' : 'the resource group' };
    }
  }
  return rule.default === undefined ? undefined : { value: rule.default, from: 'the policy default' };
}
